/**
 * The artifact suites run against each storage: the local disk on every database backend, and an
 * S3-compatible server (s3rver, through the AWS SDK) on SQLite. `artifactTestApp` builds the gateway
 * on the storage of the case and gives the suite storage-neutral views of it: what is stored, and a
 * download that follows the gateway's redirect wherever it leads.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp, type TestAppOptions } from '../helpers/build-test-app.js';
import { type TestBucket, testBucket } from '../helpers/fakes/fake-s3.js';
import { adminAuth } from '../helpers/keys.js';
import { type Backend, databaseBackends } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';
import { BUILD_URL, storedFiles } from './artifacts-fixtures.js';

export type StorageKind = 'local' | 's3';

export interface StorageCase {
  backend: Backend;
  storage: StorageKind;
  skip: false | string;
  /** `sqlite, local` — for suite names. */
  label: string;
}

export async function storageCases(): Promise<StorageCase[]> {
  const cases: StorageCase[] = (await databaseBackends()).map(({ backend, skip }) => ({
    backend,
    storage: 'local',
    skip,
    label: `${backend}, local`,
  }));
  cases.push({ backend: 'sqlite', storage: 's3', skip: false, label: 'sqlite, s3' });
  return cases;
}

export interface ArtifactTestApp extends TestApp {
  /** The test's bucket (S3 storage only). */
  bucket: TestBucket | undefined;
  /** What the storage holds: files under DATA_DIR/artifacts (staging included), or the bucket's keys. */
  stored(): Promise<string[]>;
  /** Replaces the bytes of an entry of `stored()` behind the gateway's back (disk rot, a stray write). */
  overwrite(entry: string, bytes: Buffer): Promise<void>;
  /** Removes an entry of `stored()` behind the gateway's back. */
  remove(entry: string): Promise<void>;
  /** Stores a file under a key no build refers to (as a deleted build's file left behind); its entry. */
  plantOrphan(): Promise<string>;
}

export async function artifactTestApp(
  t: Pick<TestContext, 'after'>,
  storageCase: Pick<StorageCase, 'backend' | 'storage'>,
  options: Omit<TestAppOptions, 'backend'> = {},
): Promise<ArtifactTestApp> {
  const bucket = storageCase.storage === 's3' ? await testBucket() : undefined;
  const artifacts = options.config?.artifacts ?? testConfig().artifacts;
  const testApp = await buildTestApp(t, {
    ...options,
    backend: storageCase.backend,
    config: {
      ...options.config,
      artifacts: { ...artifacts, storage: bucket?.config ?? { kind: 'local' } },
    },
  });
  const Bucket = bucket?.config.bucket;
  return {
    ...testApp,
    bucket,
    stored: async () => (bucket ? bucket.keys() : storedFiles(testApp.namespace.dataDir)),
    async overwrite(entry, bytes) {
      if (bucket) await bucket.client.send(new PutObjectCommand({ Bucket, Key: entry, Body: bytes }));
      else fs.writeFileSync(entry, bytes);
    },
    async remove(entry) {
      if (bucket) await bucket.client.send(new DeleteObjectCommand({ Bucket, Key: entry }));
      else fs.rmSync(entry);
    },
    async plantOrphan() {
      const key = `trackly/${randomUUID()}`;
      const body = Buffer.from('left behind');
      if (bucket) {
        const entry = `${bucket.config.prefix}${key}`;
        await bucket.client.send(new PutObjectCommand({ Bucket, Key: entry, Body: body }));
        return entry;
      }
      const file = path.join(testApp.namespace.dataDir, 'artifacts', ...key.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
      return file;
    },
  };
}

export interface Downloaded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Where the gateway's redirect led. */
  location: string;
}

/**
 * Downloads build `buildId` of trackly 1.0.0 as a client does: the keyed download route, then its
 * redirect — into the gateway (`/files/…`, through `app.inject`) or to the bucket (a real request).
 */
export async function download(
  app: FastifyInstance,
  buildId: string,
  headers: Record<string, string> = {},
): Promise<Downloaded> {
  const redirect = await app.inject({ url: `${BUILD_URL}/${buildId}/download`, headers: adminAuth });
  assert.equal(redirect.statusCode, 302, redirect.body);
  const location = String(redirect.headers.location);
  const gateway = 'http://localhost:80/files/';
  if (location.startsWith(gateway)) {
    const answer = await app.inject({ url: location.slice('http://localhost:80'.length), headers });
    const flat = Object.fromEntries(
      Object.entries(answer.headers).map(([name, value]) => [name, String(value)]),
    );
    return { status: answer.statusCode, headers: flat, body: answer.rawPayload, location };
  }
  const answer = await fetch(location, { headers });
  return {
    status: answer.status,
    headers: Object.fromEntries(answer.headers.entries()),
    body: Buffer.from(await answer.arrayBuffer()),
    location,
  };
}
