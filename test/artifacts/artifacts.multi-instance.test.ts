/**
 * Two gateway processes (the real entry point) that share one PostgreSQL database, one Redis, one
 * bucket, the admin key and the download signing secret behave as one: a build uploaded through A
 * downloads through B byte for byte, and once B deleted it, A no longer offers it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { testBucket } from '../helpers/fakes/fake-s3.js';
import { type Run, startGateway, tempDataDir, waitForOutput } from '../helpers/gateway-process.js';
import { adminAuth } from '../helpers/keys.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import { createPgDatabase, skipUnless } from '../helpers/services.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { BUILD_URL, digest, eventually, multipart, UPLOAD_URL } from './artifacts-fixtures.js';

const needsServices = (await skipUnless('postgres')) || (await skipUnless('redis'));

interface Instance {
  run: Run;
  url: string;
}

async function startInstance(t: TestContext, shared: Record<string, string>): Promise<Instance> {
  const run = startGateway({ ...shared, DATA_DIR: tempDataDir(t), PORT: '0', LOG_LEVEL: 'warn' });
  t.after(() => run.child.kill('SIGKILL'));
  const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
  return { run, url: url as string };
}

async function call(
  instance: Instance,
  method: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<Response> {
  return fetch(`${instance.url}${path}`, {
    method,
    headers: { ...adminAuth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    redirect: 'manual',
  });
}

async function expectStatus(response: Response, status: number): Promise<Response> {
  if (response.status !== status)
    assert.fail(`${response.status} instead of ${status}: ${await response.text()}`);
  return response;
}

describe('uploaded builds across two gateway processes on PostgreSQL, Redis and S3', {
  skip: needsServices,
}, () => {
  it('a build uploaded through A downloads through B byte for byte; deleted through B, A no longer serves it', async (t) => {
    const bucket = await testBucket();
    const redis = await startOwnRedis(t);
    const shared = {
      DATABASE_URL: await createPgDatabase(t),
      REDIS_URL: redis.url,
      ARTIFACT_STORAGE: 's3',
      S3_BUCKET: bucket.config.bucket,
      S3_ENDPOINT: bucket.config.endpoint as string,
      S3_REGION: bucket.config.region,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_PREFIX: bucket.config.prefix,
      API_KEY_ADMIN: TEST_ADMIN_KEY,
      DOWNLOAD_SIGNING_SECRET: randomBytes(32).toString('hex'),
      // The build's status stays what the upload made it while the instances are compared.
      VERIFY_BUILDS: 'false',
    };
    const [a, b] = await Promise.all([startInstance(t, shared), startInstance(t, shared)]);

    await expectStatus(await call(a, 'POST', '/admin/projects', { id: 'trackly', name: 'Trackly' }), 201);
    await expectStatus(
      await call(a, 'POST', '/admin/projects/trackly/channels/stable/versions', {
        version: '1.0.0',
        status: 'published',
      }),
      201,
    );
    // B reads the version before the upload, so that it holds a snapshot the upload must replace.
    const before = await expectStatus(
      await call(b, 'GET', '/projects/trackly/channels/stable/versions/1.0.0'),
      200,
    );
    assert.deepEqual(((await before.json()) as { builds: unknown[] }).builds, []);

    const content = randomBytes(3 * 1024 * 1024 + 17);
    const form = multipart({ platform: 'linux', architecture: 'x64' }, content, 'trackly.AppImage');
    const uploaded = await fetch(`${a.url}${UPLOAD_URL}`, {
      method: 'POST',
      headers: form.headers,
      body: form.payload,
    });
    await expectStatus(uploaded, 201);
    assert.equal(((await uploaded.json()) as { id: string }).id, 'linux-x64');

    const downloadPath = `${BUILD_URL}/linux-x64/download`;
    let redirect: Response | undefined;
    await eventually(async () => {
      redirect = await call(b, 'GET', downloadPath);
      return redirect.status === 302;
    }, 5_000);
    const location = String(redirect?.headers.get('location'));
    assert.ok(location.startsWith(`${bucket.config.endpoint}/${bucket.config.bucket}/`), location);
    const file = await expectStatus(await fetch(location), 200);
    const body = Buffer.from(await file.arrayBuffer());
    assert.equal(body.length, content.length);
    assert.equal(digest('sha256', body), digest('sha256', content));

    // A serves it too, then B deletes it.
    await expectStatus(await call(a, 'GET', downloadPath), 302);
    await expectStatus(await call(b, 'DELETE', `${UPLOAD_URL}/linux-x64`), 204);
    await eventually(async () => (await call(a, 'GET', downloadPath)).status === 404, 5_000);
    const gone = await call(a, 'GET', downloadPath);
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'BUILD_NOT_FOUND');

    for (const instance of [a, b]) {
      instance.run.child.kill('SIGTERM');
      assert.equal(await instance.run.exited, 0, instance.run.output());
    }
  });
});
