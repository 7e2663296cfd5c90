import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { READER_PERMISSIONS } from '../catalog/catalog-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { multipart, signedPath, storedFiles, trackly, UPLOAD_URL, upload } from './artifacts-fixtures.js';

const content = randomBytes(2048);

for (const { backend, skip } of await databaseBackends()) {
  describe(`signed downloads and upload access [${backend}]`, { skip }, () => {
    it('a tampered link is 403: signature, expiry, path or file name changed', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content);
      await upload(app, { platform: 'linux', architecture: 'x64' }, content);
      const url = await signedPath(app, 'windows-x64');
      assert.equal((await app.inject({ url })).statusCode, 200);
      const signature = /signature=([\w-]+)/.exec(url)?.[1] as string;
      const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      for (const tampered of [
        url.replace(signature, flipped),
        url.replace(/expires=(\d+)/, (_, n) => `expires=${Number(n) + 3600}`),
        url.replace('/windows-x64/', '/linux-x64/'),
        url.replace('trackly-setup.exe', 'other.exe'),
        url.replace(/&signature=[\w-]+/, '&signature='),
        url.replace(/expires=\d+/, 'expires=soon'),
      ]) {
        const response = await app.inject({ url: tampered });
        assertErrorEnvelope(response, 403, 'FORBIDDEN');
        assert.match(response.json().error.message, /not valid/, tampered);
      }
    });

    it('an expired link is 403 (clock moved past SIGNED_URL_TTL); a fresh one works again', async (t) => {
      const clock = createManualClock();
      const { app, config } = await buildTestApp(t, { backend, overrides: { clock } });
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content);
      const url = await signedPath(app, 'windows-x64');
      clock.advance(config.artifacts.signedUrlTtlMs - 1_000);
      assert.equal((await app.inject({ url })).statusCode, 200, 'valid until its expiry');
      clock.advance(2_000);
      const expired = await app.inject({ url });
      assertErrorEnvelope(expired, 403, 'FORBIDDEN');
      assert.match(expired.json().error.message, /expired/);
      assert.equal((await app.inject({ url: await signedPath(app, 'windows-x64') })).statusCode, 200);
    });

    it('uploads need canManageProjects and respect allowedProjects; nothing is stored otherwise', async (t) => {
      const { app, namespace } = await buildTestApp(t, { backend });
      await trackly(app);
      const form = multipart({ platform: 'linux', architecture: 'x64' }, content);
      const reader = await createKey(app, { name: 'reader', permissions: READER_PERMISSIONS });
      const elsewhere = await createKey(app, {
        name: 'other-project',
        permissions: { ...READER_PERMISSIONS, canManageProjects: true },
        allowedProjects: ['csviewer'],
      });
      const as = (headers: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: UPLOAD_URL,
          payload: form.payload,
          headers: { ...form.headers, ...headers },
        });
      assertErrorEnvelope(await as({ authorization: '' }), 401, 'UNAUTHORIZED');
      assertErrorEnvelope(await as(bearer(reader)), 403, 'FORBIDDEN');
      assertErrorEnvelope(await as(bearer(elsewhere)), 404, 'PROJECT_NOT_FOUND');
      assert.deepEqual(storedFiles(namespace.dataDir), []);
    });

    it('declares the routes: /files public and per-IP limited, verify for catalog managers', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const files = app.gateway.routes.find(
        (route) => route.url.startsWith('/files/') && route.method === 'GET',
      );
      assert.deepEqual(
        { auth: files?.auth, rateGroup: files?.rateGroup },
        { auth: 'public', rateGroup: 'ip' },
      );
      const verify = app.gateway.routes.find((route) => route.url.endsWith('/verify'));
      assert.equal(verify?.permission, 'canManageProjects');
      const spec = (await app.inject({ url: '/openapi.json' })).json();
      const upload =
        spec.paths['/admin/projects/{projectId}/channels/{channelId}/versions/{versionId}/builds'].post;
      assert.ok(upload.requestBody.content['multipart/form-data'].schema.properties.file);
      assert.ok(upload.requestBody.content['application/json']);
    });
  });
}
