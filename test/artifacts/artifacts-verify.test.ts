import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { Config } from '../../src/config.js';
import { admin } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { databaseBackends } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';
import { digest, storedFiles, trackly, UPLOAD_URL, upload } from './artifacts-fixtures.js';

const file = randomBytes(3000);

/** A download host: `/ok.bin` (HEAD works), `/no-head.bin` (HEAD 405, ranged GET works), 404 elsewhere. */
async function downloadHost(t: TestContext): Promise<string> {
  const server = http.createServer((request, response) => {
    const path = request.url ?? '';
    if (path === '/no-head.bin' && request.method === 'HEAD') return void response.writeHead(405).end();
    if (path !== '/ok.bin' && path !== '/no-head.bin') return void response.writeHead(404).end('not here');
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
    if (range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      response.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${file.length}`,
        'content-length': end - start + 1,
      });
      return void response.end(request.method === 'HEAD' ? undefined : file.subarray(start, end + 1));
    }
    response.writeHead(200, { 'content-length': file.length });
    response.end(request.method === 'HEAD' ? undefined : file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function verifyConfig(verify: Partial<Config['artifacts']['verify']>) {
  const config = testConfig();
  return {
    artifacts: { ...config.artifacts, verify: { ...config.artifacts.verify, allowPrivate: true, ...verify } },
  };
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`build verification [${backend}]`, { skip }, () => {
    async function setup(t: TestContext, verify: Partial<Config['artifacts']['verify']> = {}) {
      const testApp = await buildTestApp(t, { backend, config: verifyConfig(verify) });
      await trackly(testApp.app);
      const host = await downloadHost(t);
      const external = async (
        id: string,
        path: string,
        size = file.length,
        sha256 = digest('sha256', file),
      ) => {
        await admin(testApp.app, 'POST', UPLOAD_URL, {
          id,
          platform: 'linux',
          architecture: 'x64',
          file_name: 'trackly.AppImage',
          file_size: size,
          download_url: `${host}${path}`,
          checksum: { sha256 },
        });
        return admin(testApp.app, 'POST', `${UPLOAD_URL}/${id}/verify`, undefined, 200);
      };
      return { ...testApp, external };
    }

    it('marks a reachable build of the right size verified, a 404 and a wrong size failed, with reasons', async (t) => {
      const { external } = await setup(t);
      const good = await external('good', '/ok.bin');
      assert.equal(good.status, 'verified', good.status_reason);
      assert.match(good.verified_at, /^\d{4}-/);
      const missing = await external('missing', '/gone.bin');
      assert.equal(missing.status, 'failed');
      assert.match(missing.status_reason, /HTTP 404/);
      const wrongSize = await external('wrong-size', '/ok.bin', 1234);
      assert.equal(wrongSize.status, 'failed');
      assert.match(wrongSize.status_reason, /size mismatch: expected 1234 bytes, the server reports 3000/);
      const noHead = await external('no-head', '/no-head.bin');
      assert.equal(noHead.status, 'verified', `falls back to a ranged GET: ${noHead.status_reason}`);
    });

    it('VERIFY_DOWNLOADS=full downloads the file and compares its SHA-256', async (t) => {
      const { external } = await setup(t, { mode: 'full' });
      assert.equal((await external('good', '/ok.bin')).status, 'verified');
      const tampered = await external('tampered', '/ok.bin', file.length, 'f'.repeat(64));
      assert.equal(tampered.status, 'failed');
      assert.match(tampered.status_reason, /SHA-256 mismatch/);
    });

    it('refuses private and loopback addresses unless VERIFY_ALLOW_PRIVATE is set', async (t) => {
      const { external } = await setup(t, { allowPrivate: false });
      const literal = await external('literal', '/ok.bin');
      assert.equal(literal.status, 'failed');
      assert.match(
        literal.status_reason,
        /refused: 127\.0\.0\.1 is a private, loopback or link-local address/,
      );
    });

    it('re-hashes stored files: a file changed on disk fails verification', async (t) => {
      const { app, namespace } = await setup(t);
      await upload(app, { platform: 'windows', architecture: 'x64' }, file);
      assert.equal(
        (await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200)).status,
        'verified',
      );
      const [stored] = storedFiles(namespace.dataDir);
      fs.writeFileSync(stored as string, randomBytes(file.length));
      const after = await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200);
      assert.equal(after.status, 'failed');
      assert.match(after.status_reason, /SHA-256 mismatch/);
      fs.rmSync(stored as string);
      const gone = await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200);
      assert.equal(gone.status_reason, 'the stored file is missing');
    });

    it('verifies new builds in the background and on the schedule; unknown builds are 404', async (t) => {
      const { app, external } = await setup(t, { automatic: true });
      await external('first', '/ok.bin');
      await admin(app, 'POST', UPLOAD_URL, {
        id: 'queued',
        platform: 'macos',
        architecture: 'arm64',
        file_name: 'x.dmg',
        file_size: 1,
        download_url: 'http://127.0.0.1:9/unreachable',
        checksum: { sha256: 'a'.repeat(64) },
      });
      await app.gateway.artifacts.verifier.idle();
      const rows = await app.gateway.database.db
        .selectFrom('builds')
        .selectAll()
        .where('id', '=', 'queued')
        .execute();
      assert.equal(rows[0]?.status, 'failed');
      assert.match(String(rows[0]?.status_reason), /unreachable/);
      await app.gateway.artifacts.verifier.scheduledPass();
      await app.gateway.artifacts.verifier.idle();
      await admin(app, 'POST', `${UPLOAD_URL}/nope/verify`, undefined, 404);
    });
  });
}
