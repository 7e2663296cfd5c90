/** What only S3 storage has: links to a CDN, the startup check of the bucket, and its /health line. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '../../src/config.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { testBucket } from '../helpers/fakes/fake-s3.js';
import { adminAuth } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import { artifactTestApp } from './artifact-storages.fixture.js';
import { BUILD_URL, trackly, upload } from './artifacts-fixtures.js';
import { closedOrigin } from './verify-fixtures.js';

/** Builds a gateway on `storage` and answers why it refused to start. */
async function startupFailure(t: Parameters<typeof buildTestApp>[0], storage: S3StorageConfig) {
  const config = testConfig();
  const failure = await buildTestApp(t, { config: { artifacts: { ...config.artifacts, storage } } }).then(
    () => assert.fail('the gateway started'),
    (error: unknown) => error as Error,
  );
  return failure.message;
}

describe('S3 artifact storage', () => {
  it('with S3_PUBLIC_BASE_URL, downloads redirect to the object under that URL', async (t) => {
    const bucket = await testBucket();
    const config = testConfig();
    const { app, stored } = await buildTestApp(t, {
      config: {
        artifacts: {
          ...config.artifacts,
          storage: { ...bucket.config, publicBaseUrl: 'https://cdn.example.com/releases' },
        },
      },
    }).then(async (testApp) => ({ ...testApp, stored: () => bucket.keys() }));
    await trackly(app);
    await upload(app, { platform: 'windows', architecture: 'x64' }, randomBytes(100));
    const [key] = await stored();
    const response = await app.inject({ url: `${BUILD_URL}/windows-x64/download`, headers: adminAuth });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, `https://cdn.example.com/releases/${key}`);
    assert.match(String(key), /^builds\/trackly\/[0-9a-f-]{36}$/);
  });

  it('refuses to start when the bucket is missing, refuses the credentials or cannot be reached, naming the problem', async (t) => {
    const bucket = await testBucket();
    assert.match(
      await startupFailure(t, { ...bucket.config, bucket: 'no-such-bucket' }),
      /^Artifact storage: checking the bucket: bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist$/,
    );
    const refused = await startupFailure(t, {
      ...bucket.config,
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'a-secret-that-must-not-show' },
    });
    assert.match(refused, /the credentials are refused for bucket "t-[0-9a-f]+"/);
    assert.ok(!refused.includes('a-secret-that-must-not-show'));
    const closed = await closedOrigin();
    assert.match(
      await startupFailure(t, { ...bucket.config, endpoint: closed }),
      new RegExp(`${closed.replaceAll('.', '\\.')} cannot be reached \\(ECONNREFUSED\\)`),
    );
  });

  it('/health shows whether the bucket answers', async (t) => {
    const { app, bucket } = await artifactTestApp(t, { backend: 'sqlite', storage: 's3' });
    const healthy = (await app.inject({ url: '/health' })).json();
    assert.equal(healthy.status, 'healthy');
    assert.equal(healthy.checks.artifact_storage, 'ok');
    await bucket?.client.send(new DeleteBucketCommand({ Bucket: bucket.config.bucket }));
    const response = await app.inject({ url: '/health' });
    assert.equal(response.statusCode, 200, 'downloads of external builds and update checks still work');
    assert.equal(response.json().status, 'degraded');
    assert.equal(response.json().checks.artifact_storage, 'error');
  });

  it('/health has no bucket line with local storage', async (t) => {
    const { app } = await artifactTestApp(t, { backend: 'sqlite', storage: 'local' });
    assert.equal((await app.inject({ url: '/health' })).json().checks.artifact_storage, undefined);
  });
});
