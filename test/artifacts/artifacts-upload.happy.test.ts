import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { addBuild } from '../catalog/catalog-fixtures.js';
import { adminAuth } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import { artifactTestApp, download, storageCases } from './artifact-storages.fixture.js';
import { BUILD_URL, buildRows, digest, signedPath, trackly, upload } from './artifacts-fixtures.js';

const content = randomBytes(1000);

for (const storageCase of await storageCases()) {
  const { skip, storage } = storageCase;
  /** The gateway serves files itself (`/files/…`) only from local storage. */
  const localOnly = storage === 's3' && 'S3 storage hands out bucket links instead of /files/…';
  describe(`build uploads [${storageCase.label}]`, { skip }, () => {
    it('stores the file with every checksum and serves it through a signed link naming the file', async (t) => {
      const { app, stored, bucket } = await artifactTestApp(t, storageCase);
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
      assert.equal((await stored()).length, 1);
      assert.ok(!JSON.stringify(created).includes('storage_key'));

      const read = (await app.inject({ url: `${BUILD_URL}/windows-x64`, headers: adminAuth })).json();
      assert.equal(read.checksum.sha512, digest('sha512', content));
      assert.equal(
        read.download_url,
        `http://localhost:80${BUILD_URL}/windows-x64/download/trackly-setup.exe`,
      );

      const file = await download(app, 'windows-x64');
      assert.equal(file.status, 200);
      assert.deepEqual(file.body, content);
      assert.equal(file.headers['content-length'], '1000');
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      assert.equal(file.headers['accept-ranges'], 'bytes');
      assert.match(String(file.headers['content-disposition']), /^attachment; filename="trackly-setup\.exe"/);
      assert.ok(file.headers['last-modified']);
      if (bucket === undefined) {
        assert.equal(file.headers.etag, `"${digest('sha256', content)}"`);
      } else {
        // A presigned GET of the object under the configured prefix, valid for SIGNED_URL_TTL.
        const link = new URL(file.location);
        assert.equal(link.origin, bucket.config.endpoint);
        assert.match(link.pathname, new RegExp(`^/${bucket.config.bucket}/builds/trackly/[0-9a-f-]{36}$`));
        assert.equal(link.searchParams.get('X-Amz-Expires'), '900');
        assert.ok(link.searchParams.get('X-Amz-Signature'));
      }
    });

    it('stores several files apart and serves each one whole and by byte range', async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      const files = {
        'windows-x64': randomBytes(70_000),
        'linux-x64': randomBytes(1),
        'macos-arm64': randomBytes(300_000),
      };
      for (const [id, bytes] of Object.entries(files)) {
        const [platform, architecture] = id.split('-') as [string, string];
        await upload(app, { platform, architecture, file_name: `${id}.bin` }, bytes);
      }
      assert.equal((await stored()).length, 3);
      for (const [id, bytes] of Object.entries(files)) {
        const whole = await download(app, id);
        assert.equal(whole.status, 200);
        assert.deepEqual(whole.body, bytes, id);
        assert.match(String(whole.headers['content-disposition']), new RegExp(`filename="${id}\\.bin"`));
      }
      const big = files['macos-arm64'];
      const partial = await download(app, 'macos-arm64', { range: 'bytes=100-199' });
      assert.equal(partial.status, 206);
      assert.deepEqual(partial.body, big.subarray(100, 200));
      assert.equal(partial.headers['content-range'], `bytes 100-199/${big.length}`);
      assert.equal(partial.headers['content-length'], '100');
      const resumed = await download(app, 'macos-arm64', { range: `bytes=${big.length - 1000}-` });
      assert.equal(resumed.status, 206);
      assert.deepEqual(resumed.body, big.subarray(big.length - 1000));
    });

    it('hands download links only to callers allowed to download', async (t) => {
      const { app } = await artifactTestApp(t, storageCase);
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content);
      const url = `${BUILD_URL}/windows-x64/download`;
      for (const headers of [{}, { authorization: 'Bearer lb_live_not-a-key' }]) {
        const refused = await app.inject({ url, headers });
        assert.equal(refused.statusCode, 401);
        assert.equal(refused.headers.location, undefined);
      }
      const named = await app.inject({ url: `${url}/trackly-setup.exe` });
      assert.equal(named.statusCode, 401, 'a private project needs a key or a download token');
      assert.equal(named.headers.location, undefined);
      const allowed = await app.inject({ url, headers: adminAuth });
      assert.equal(allowed.statusCode, 302);
      assert.equal(allowed.headers['cache-control'], 'no-store');
    });

    it('answers byte ranges, conditional requests and HEAD', { skip: localOnly }, async (t) => {
      const { app } = await artifactTestApp(t, storageCase);
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
      const { app } = await artifactTestApp(t, storageCase);
      await trackly(app);
      await upload(app, { platform: 'macos', architecture: 'universal', file_name: 'Trackly.dmg' }, content);
      await addBuild(app, 'trackly', 'stable', '1.0.0', { platform: 'windows', architecture: 'x64' });
      const external = await app.inject({ url: `${BUILD_URL}/windows-x64/download`, headers: adminAuth });
      assert.equal(external.statusCode, 302);
      assert.match(String(external.headers.location), /^https:\/\/cdn\.example\.com\//);
      const { location } = await download(app, 'macos-universal');
      if (storage === 'local') assert.match(location, /\/Trackly\.dmg\?expires=\d+&signature=[\w-]+$/);
      else
        assert.match(
          new URL(location).searchParams.get('response-content-disposition') ?? '',
          /Trackly\.dmg/,
        );
      await app.gateway.catalog.downloads.flush();
      const rows = await buildRows(app);
      assert.equal(Number(rows.find((row) => row.id === 'macos-universal')?.downloads), 1);
    });

    it('with PUBLIC_URL the redirect is absolute', { skip: localOnly }, async (t) => {
      const { app } = await artifactTestApp(t, storageCase, {
        config: { publicUrl: 'https://updates.example.com' },
      });
      await trackly(app);
      await upload(app, { platform: 'linux', architecture: 'arm64' }, content);
      const response = await app.inject({ url: `${BUILD_URL}/linux-arm64/download`, headers: adminAuth });
      assert.match(String(response.headers.location), /^https:\/\/updates\.example\.com\/files\/trackly\//);
    });

    it('verifies an uploaded build in the background once it is added', async (t) => {
      const config = testConfig();
      const { app } = await artifactTestApp(t, storageCase, {
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
