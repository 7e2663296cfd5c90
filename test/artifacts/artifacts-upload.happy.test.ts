import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { addBuild } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';
import {
  BUILD_URL,
  buildRows,
  digest,
  signedPath,
  storedFiles,
  trackly,
  upload,
} from './artifacts-fixtures.js';

const content = randomBytes(1000);

for (const { backend, skip } of await databaseBackends()) {
  describe(`build uploads [${backend}]`, { skip }, () => {
    it('stores the file with every checksum and serves it through a signed URL', async (t) => {
      const { app, namespace } = await buildTestApp(t, { backend });
      await trackly(app);
      const created = (
        await upload(
          app,
          { platform: 'windows', architecture: 'x64', sha256: digest('sha256', content), signature: 'sig==' },
          content,
        )
      ).json();
      assert.equal(created.id, 'windows-x64');
      assert.equal(created.file_name, 'trackly-setup.exe', 'defaults to the file part’s name');
      assert.equal(created.file_size, 1000);
      assert.deepEqual(created.checksum, {
        sha256: digest('sha256', content),
        sha512: digest('sha512', content),
        sha1: digest('sha1', content),
        md5: digest('md5', content),
      });
      assert.equal(created.stored, true);
      assert.equal(created.status, 'pending');
      assert.equal(
        created.download_url,
        `http://localhost:80${BUILD_URL}/windows-x64/download/trackly-setup.exe`,
      );
      assert.equal(created.signature, 'sig==');
      assert.equal(storedFiles(namespace.dataDir).length, 1);
      assert.ok(!JSON.stringify(created).includes('storage_key'));

      const read = (await app.inject({ url: `${BUILD_URL}/windows-x64`, headers: adminAuth })).json();
      assert.equal(read.checksum.sha512, digest('sha512', content));
      assert.equal(
        read.download_url,
        `http://localhost:80${BUILD_URL}/windows-x64/download/trackly-setup.exe`,
      );

      const file = await app.inject({ url: await signedPath(app, 'windows-x64') });
      assert.equal(file.statusCode, 200);
      assert.deepEqual(file.rawPayload, content);
      assert.equal(file.headers['content-length'], '1000');
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      assert.equal(file.headers['accept-ranges'], 'bytes');
      assert.equal(file.headers.etag, `"${digest('sha256', content)}"`);
      assert.match(String(file.headers['content-disposition']), /^attachment; filename="trackly-setup\.exe"/);
      assert.ok(file.headers['last-modified']);
    });

    it('answers byte ranges, conditional requests and HEAD', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await upload(app, { platform: 'linux', architecture: 'x64' }, content);
      const url = await signedPath(app, 'linux-x64');

      const partial = await app.inject({ url, headers: { range: 'bytes=100-199' } });
      assert.equal(partial.statusCode, 206);
      assert.deepEqual(partial.rawPayload, content.subarray(100, 200));
      assert.equal(partial.headers['content-range'], 'bytes 100-199/1000');
      assert.equal(partial.headers['content-length'], '100');

      const tail = await app.inject({ url, headers: { range: 'bytes=-10' } });
      assert.deepEqual(tail.rawPayload, content.subarray(990));

      const beyond = await app.inject({ url, headers: { range: 'bytes=5000-6000' } });
      assert.equal(beyond.statusCode, 416);
      assert.equal(beyond.json().error.code, 'RANGE_NOT_SATISFIABLE');
      assert.equal(beyond.headers['content-range'], 'bytes */1000');
      assert.equal(beyond.headers['content-disposition'], undefined);

      const etag = String(partial.headers.etag);
      const cached = await app.inject({ url, headers: { 'if-none-match': etag } });
      assert.equal(cached.statusCode, 304);
      assert.equal(cached.body, '');
      const changed = await app.inject({ url, headers: { range: 'bytes=0-9', 'if-range': '"another"' } });
      assert.equal(changed.statusCode, 200, 'a stale If-Range gets the whole file');
      assert.equal(changed.rawPayload.length, 1000);
      const resumed = await app.inject({ url, headers: { range: 'bytes=500-', 'if-range': etag } });
      assert.equal(resumed.statusCode, 206);
      assert.deepEqual(resumed.rawPayload, content.subarray(500));

      const head = await app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers['content-length'], '1000');
      assert.equal(head.rawPayload.length, 0);
    });

    it('counts downloads of uploaded builds; external builds still redirect to their own URL', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await upload(app, { platform: 'macos', architecture: 'universal', file_name: 'Trackly.dmg' }, content);
      await addBuild(app, 'trackly', 'stable', '1.0.0', { platform: 'windows', architecture: 'x64' });
      const external = await app.inject({ url: `${BUILD_URL}/windows-x64/download`, headers: adminAuth });
      assert.equal(external.statusCode, 302);
      assert.match(String(external.headers.location), /^https:\/\/cdn\.example\.com\//);
      const url = await signedPath(app, 'macos-universal');
      assert.match(url, /\/Trackly\.dmg\?expires=\d+&signature=[\w-]+$/);
      await app.gateway.catalog.downloads.flush();
      const rows = await buildRows(app);
      assert.equal(Number(rows.find((row) => row.id === 'macos-universal')?.downloads), 1);
    });

    it('with PUBLIC_URL the redirect is absolute', async (t) => {
      const { app } = await buildTestApp(t, {
        backend,
        config: { publicUrl: 'https://updates.example.com' },
      });
      await trackly(app);
      await upload(app, { platform: 'linux', architecture: 'arm64' }, content);
      const response = await app.inject({ url: `${BUILD_URL}/linux-arm64/download`, headers: adminAuth });
      assert.match(String(response.headers.location), /^https:\/\/updates\.example\.com\/files\/trackly\//);
    });

    it('verifies an uploaded build in the background once it is added', async (t) => {
      const config = testConfig();
      const { app } = await buildTestApp(t, {
        backend,
        config: {
          artifacts: { ...config.artifacts, verify: { ...config.artifacts.verify, automatic: true } },
        },
      });
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'arm64' }, content);
      await app.gateway.artifacts.verifier.idle();
      const build = (await app.inject({ url: `${BUILD_URL}/windows-arm64`, headers: adminAuth })).json();
      assert.equal(build.status, 'verified');
      assert.match(build.verified_at, /^\d{4}-\d\d-\d\dT/);
    });
  });
}
