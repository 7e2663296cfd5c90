/**
 * An S3-compatible server for the artifact suites: `s3rver` on an ephemeral loopback port, reached
 * path-style through the same AWS SDK client the gateway uses. One server per test file (started on
 * first use, never keeping the process alive); each test gets a bucket of its own. s3rver checks
 * the access key but not signatures (see below). Every request the
 * server receives is recorded (method and URL), so tests see requests that s3rver accepts but does
 * not act on — it answers AbortMultipartUpload without implementing it, and cannot list unfinished
 * multipart uploads.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from '@20minutes/s3rver';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../src/artifacts/artifacts-s3-storage.js';
import type { S3StorageConfig } from '../../../src/config.js';

export interface RecordedS3Request {
  method: string;
  /** Path and query, as sent. */
  url: string;
}

interface FakeS3 {
  endpoint: string;
  requests: RecordedS3Request[];
}

let server: Promise<FakeS3> | undefined;

function fakeS3(): Promise<FakeS3> {
  server ??= (async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-s3rver-'));
    process.once('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
    const s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      vhostBuckets: false,
      // s3rver signs bucket-level requests without the trailing slash of the SDK's path-style URLs
      // (`/bucket/`), so it would refuse their signatures; the access key is still checked, and the
      // signing is the SDK's own.
      allowMismatchedSignatures: true,
    });
    const { port } = await s3rver.run();
    s3rver.httpServer.unref();
    const requests: RecordedS3Request[] = [];
    s3rver.httpServer.prependListener('request', (request) => {
      requests.push({ method: request.method ?? '', url: request.url ?? '' });
    });
    return { endpoint: `http://127.0.0.1:${port}`, requests };
  })();
  return server;
}

export interface TestBucket {
  config: S3StorageConfig;
  /** A client of its own (not the gateway's), to look into the bucket. */
  client: S3Client;
  /** Requests the server received for this bucket since it was made. */
  requests(): RecordedS3Request[];
  /** Every object key in the bucket. */
  keys(): Promise<string[]>;
}

/** A fresh bucket on this file's S3 server, with the gateway's storage settings for it. */
export async function testBucket(prefix = 'builds/'): Promise<TestBucket> {
  const fake = await fakeS3();
  const config: S3StorageConfig = {
    kind: 's3',
    bucket: `t-${randomBytes(6).toString('hex')}`,
    region: 'us-east-1',
    endpoint: fake.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    prefix,
    publicBaseUrl: undefined,
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 5_000,
  };
  const client = createS3Client(config);
  await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
  const mine = (request: RecordedS3Request) => request.url.startsWith(`/${config.bucket}`);
  return {
    config,
    client,
    requests: () => fake.requests.filter(mine),
    async keys() {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: config.bucket, ContinuationToken }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      return keys;
    },
  };
}
