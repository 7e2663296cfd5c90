import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../app-config.js';
import { ConfigError } from '../config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

describe('ARTIFACT_STORAGE', () => {
  it('stores uploads on the local disk by default', () => {
    assert.deepEqual(loadConfig({}).artifacts.storage, { kind: 'local' });
  });

  it('reads every S3 variable', () => {
    const { storage } = loadConfig({
      ARTIFACT_STORAGE: 's3',
      S3_BUCKET: 'lunarbit-releases',
      S3_REGION: 'auto',
      S3_ENDPOINT: 'https://acc.r2.cloudflarestorage.com/',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'secret-example',
      S3_PREFIX: 'builds/',
      S3_PUBLIC_BASE_URL: 'https://cdn.example.com/',
    }).artifacts;
    assert.deepEqual(storage, {
      kind: 's3',
      bucket: 'lunarbit-releases',
      region: 'auto',
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
      prefix: 'builds/',
      publicBaseUrl: 'https://cdn.example.com',
      requestTimeoutMs: 30_000,
      connectTimeoutMs: 5_000,
    });
  });

  it('leaves credentials to the SDK’s default chain when none are given', () => {
    const { storage } = loadConfig({ ARTIFACT_STORAGE: 's3', S3_BUCKET: 'releases' }).artifacts;
    assert.equal(storage.kind, 's3');
    assert.equal(storage.kind === 's3' && storage.credentials, undefined);
    assert.equal(storage.kind === 's3' && storage.region, 'us-east-1');
  });

  it('takes the S3 timeouts from S3_REQUEST_TIMEOUT_MS and S3_CONNECT_TIMEOUT_MS, within bounds', () => {
    const { storage } = loadConfig({
      ARTIFACT_STORAGE: 's3',
      S3_BUCKET: 'releases',
      S3_REQUEST_TIMEOUT_MS: '120000',
      S3_CONNECT_TIMEOUT_MS: '2000',
    }).artifacts;
    assert.equal(storage.kind === 's3' && storage.requestTimeoutMs, 120_000);
    assert.equal(storage.kind === 's3' && storage.connectTimeoutMs, 2_000);
    const problems = problemsOf({
      ARTIFACT_STORAGE: 's3',
      S3_BUCKET: 'releases',
      S3_REQUEST_TIMEOUT_MS: '0',
      S3_CONNECT_TIMEOUT_MS: 'soon',
    });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /S3_REQUEST_TIMEOUT_MS="0" is invalid/);
    assert.match(problems.join('\n'), /S3_CONNECT_TIMEOUT_MS="soon" is invalid/);
  });

  it('names every problem of an S3 configuration at once, without echoing the secret', () => {
    const problems = problemsOf({
      ARTIFACT_STORAGE: 's3',
      S3_SECRET_ACCESS_KEY: 'very-secret-value',
      S3_ENDPOINT: 'minio:9000',
      S3_PREFIX: 'no-trailing-slash',
      S3_FORCE_PATH_STYLE: 'maybe',
    });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /needs S3_BUCKET/);
    assert.match(problems.join('\n'), /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
    assert.match(problems.join('\n'), /S3_ENDPOINT is invalid/);
    assert.match(problems.join('\n'), /S3_PREFIX="no-trailing-slash" is invalid/);
    assert.match(problems.join('\n'), /S3_FORCE_PATH_STYLE="maybe" is invalid/);
    assert.ok(!problems.join('\n').includes('very-secret-value'));
  });

  it('refuses an unknown backend, a bad bucket name, and S3 settings without ARTIFACT_STORAGE=s3', () => {
    assert.match(problemsOf({ ARTIFACT_STORAGE: 'gcs' })[0] ?? '', /ARTIFACT_STORAGE="gcs".*local, s3/);
    assert.match(
      problemsOf({ ARTIFACT_STORAGE: 's3', S3_BUCKET: 'Bad_Bucket' })[0] ?? '',
      /S3_BUCKET="Bad_Bucket" is invalid/,
    );
    assert.match(problemsOf({ S3_BUCKET: 'releases' })[0] ?? '', /ARTIFACT_STORAGE is local/);
  });
});
