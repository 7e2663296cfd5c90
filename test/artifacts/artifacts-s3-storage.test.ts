/** What only S3 storage has: links to a CDN, the startup check of the bucket, and its /health line. */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { finished } from 'node:stream/promises';
import { describe, it, type TestContext } from 'node:test';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { createS3ArtifactStorage, createS3Client } from '../../src/artifacts/artifacts-s3-storage.js';
import type { S3StorageConfig } from '../../src/config.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { testBucket } from '../helpers/fakes/fake-s3.js';
import { adminAuth } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import { artifactTestApp } from './artifact-storages.fixture.js';
import { BUILD_URL, buildRows, multipart, trackly, UPLOAD_URL, upload } from './artifacts-fixtures.js';
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

/**
 * An endpoint that accepts every connection and then says nothing more than `answer` (nothing at
 * all by default), as a hung bucket or a black-holing proxy does. Counts the connections.
 */
async function stalledEndpoint(t: Pick<TestContext, 'after'>, answer = '') {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => socket.write(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as net.AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, connections: () => connections };
}

/** A TCP proxy to `target` that can stop forwarding: from `stall()` on, the bucket seems to hang. */
async function stallingProxy(t: Pick<TestContext, 'after'>, target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let stalled = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
    }
    client.on('data', (chunk) => {
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!stalled) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    stall: () => {
      stalled = true;
    },
  };
}

/** A stalled call that is not given up fails the test instead of holding it. */
const STALL_BOUND = { timeout: 30_000 };

/** S3 settings for `endpoint` with short timeouts. */
async function stalledBucketConfig(endpoint: string): Promise<S3StorageConfig> {
  const { config } = await testBucket();
  return { ...config, endpoint, requestTimeoutMs: 200, connectTimeoutMs: 200 };
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

  it(
    'refuses to start when the endpoint accepts connections and never answers, naming S3_REQUEST_TIMEOUT_MS',
    STALL_BOUND,
    async (t) => {
      const stalled = await stalledEndpoint(t);
      const message = await startupFailure(t, await stalledBucketConfig(stalled.endpoint));
      assert.equal(
        message,
        `Artifact storage: checking the bucket: ${stalled.endpoint} did not answer within 200 ms (S3_REQUEST_TIMEOUT_MS)`,
      );
      // Each of the SDK's three attempts waited for its own answer on a connection of its own.
      assert.equal(stalled.connections(), 3);
    },
  );

  it(
    'fails a read that gets no answer, or whose body stops, with the timeout named (verification reads this way)',
    STALL_BOUND,
    async (t) => {
      const silent = await stalledEndpoint(t);
      const halfBody = await stalledEndpoint(
        t,
        'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789',
      );
      for (const endpoint of [silent.endpoint, halfBody.endpoint]) {
        const config = await stalledBucketConfig(endpoint);
        const storage = createS3ArtifactStorage({
          config,
          client: createS3Client(config),
          maxUploadBytes: 1024 * 1024,
          linkTtlSeconds: 60,
        });
        const stream = storage.read(`trackly/${randomUUID()}`);
        stream.resume();
        const failure = await finished(stream).then(
          () => assert.fail('the read completed'),
          (error: unknown) => error as Error & { code?: string },
        );
        assert.equal(
          failure.message,
          `Artifact storage: reading a file: ${endpoint} did not answer within 200 ms (S3_REQUEST_TIMEOUT_MS)`,
        );
        assert.equal(failure.code, 'OBJECT_STORAGE_UNREACHABLE');
      }
      assert.equal(halfBody.connections(), 1, 'a body that stops is not asked for again');
    },
  );

  it(
    'the /health probe of a bucket that never answers gives up after its own bound, before the request timeout',
    STALL_BOUND,
    async (t) => {
      const stalled = await stalledEndpoint(t);
      const config = { ...(await stalledBucketConfig(stalled.endpoint)), requestTimeoutMs: 60_000 };
      const storage = createS3ArtifactStorage({
        config,
        client: createS3Client(config),
        maxUploadBytes: 1024 * 1024,
        linkTtlSeconds: 60,
      });
      await assert.rejects(storage.ping?.(200) ?? Promise.resolve(), {
        message: `Artifact storage: checking the bucket: ${stalled.endpoint} did not answer within 200 ms`,
        code: 'OBJECT_STORAGE_UNREACHABLE',
      });
      assert.equal(stalled.connections(), 1, 'no retry after the bound');
    },
  );

  it(
    'an upload whose bucket stops answering is 503 STORAGE_UNAVAILABLE after the request timeouts, leaving no object and no row',
    STALL_BOUND,
    async (t) => {
      const bucket = await testBucket();
      const proxy = await stallingProxy(t, bucket.config.endpoint as string);
      const config = testConfig();
      const storage = { ...bucket.config, endpoint: proxy.endpoint, requestTimeoutMs: 200 };
      const { app } = await buildTestApp(t, { config: { artifacts: { ...config.artifacts, storage } } });
      await trackly(app);
      proxy.stall();
      // Small enough for one PUT, which is sent when the upload is committed, inside the transaction.
      const response = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        ...multipart({ platform: 'linux', architecture: 'x64' }, randomBytes(1000)),
      });
      assert.equal(response.statusCode, 503, response.body);
      const { error } = response.json() as { error: { code: string; details: unknown } };
      assert.equal(error.code, 'STORAGE_UNAVAILABLE');
      assert.deepEqual(error.details, { storage: 'file storage', reason: 'unreachable' });
      assert.deepEqual(await buildRows(app), []);
      assert.deepEqual(await bucket.keys(), []);
    },
  );

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
