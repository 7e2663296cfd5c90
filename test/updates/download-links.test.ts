/**
 * Links that clients can follow (CONTRACT "Links that leave the gateway"): every download link in an
 * update answer or feed is absolute, ends in the build's file name, and downloads without a header
 * — publicly for projects with `public_feeds`, with the answer's download token otherwise.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createManualClock } from '../../src/infra/clock.js';
import { buildRows, digest, trackly, upload } from '../artifacts/artifacts-fixtures.js';
import { admin } from '../catalog/catalog-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

const content = randomBytes(4096);
const CHECK =
  '/projects/trackly/channels/stable/update?current_version=0.9.0&platform=windows&architecture=x64';
const APP_KEY = { name: 'app', permissions: { canCheckUpdates: true } };

/** Follows a link as a client without headers would: the redirect, then the signed file. */
async function fetchWithoutHeaders(app: FastifyInstance, link: string) {
  const url = new URL(link);
  const redirect = await app.inject({ url: `${url.pathname}${url.search}` });
  if (redirect.statusCode !== 302) return redirect;
  const signed = new URL(String(redirect.headers.location));
  return app.inject({ url: `${signed.pathname}${signed.search}` });
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`download links [${backend}]`, { skip }, () => {
    it('a key’s update answer links absolutely to the file by name, with a token that downloads without a header', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await upload(
        app,
        { platform: 'windows', architecture: 'x64', file_name: 'Trackly-Setup-1.0.0.exe' },
        content,
      );
      const key = await createKey(app, APP_KEY);

      const answer = await app.inject({ url: CHECK, headers: bearer(key) });
      assert.equal(answer.statusCode, 200, answer.body);
      const link = answer.json().download_url as string;
      const url = new URL(link); // absolute: parses without a base
      assert.ok(link.startsWith('http://localhost:80/'), link);
      assert.equal(
        url.pathname,
        '/projects/trackly/channels/stable/versions/1.0.0/builds/windows-x64/download/Trackly-Setup-1.0.0.exe',
      );
      assert.ok(url.searchParams.get('token'), 'a project without public feeds gets a token');

      const file = await fetchWithoutHeaders(app, link);
      assert.equal(file.statusCode, 200);
      assert.equal(digest('sha256', file.rawPayload), digest('sha256', content));

      const bare = await app.inject({ url: url.pathname });
      assertErrorEnvelope(bare, 401, 'UNAUTHORIZED');
      const withKey = await app.inject({ url: url.pathname, headers: bearer(key) });
      assert.equal(withKey.statusCode, 302, 'a key with canCheckUpdates follows it with its header');
    });

    it('a token opens only its project, dies with its key, and expires (clock)', async (t) => {
      const clock = createManualClock();
      const { app, config } = await buildTestApp(t, { backend, overrides: { clock } });
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content);
      const key = await createKey(app, APP_KEY);
      const link = (await app.inject({ url: CHECK, headers: bearer(key) })).json().download_url as string;
      const url = new URL(link);
      const token = url.searchParams.get('token')!;

      const other = `/projects/other/channels/stable/versions/1.0.0/builds/windows-x64/download/trackly-setup.exe?token=${token}`;
      assertErrorEnvelope(await app.inject({ url: other }), 401, 'UNAUTHORIZED');
      const forged = `${url.pathname}?token=${token.slice(0, -2)}AA`;
      assertErrorEnvelope(await app.inject({ url: forged }), 401, 'UNAUTHORIZED');
      const longer = `${url.pathname}?token=${token.replace(/^\d+/, (n) => String(Number(n) + 3600))}`;
      assertErrorEnvelope(await app.inject({ url: longer }), 401, 'UNAUTHORIZED');

      clock.advance(config.artifacts.downloadTokenTtlMs - 1_000);
      assert.equal((await fetchWithoutHeaders(app, link)).statusCode, 200, 'valid for DOWNLOAD_TOKEN_TTL');
      clock.advance(3_601_000);
      const expired = await app.inject({ url: `${url.pathname}${url.search}` });
      assertErrorEnvelope(expired, 401, 'UNAUTHORIZED');
      assert.match(expired.json().error.message, /expired/);

      const fresh = (await app.inject({ url: CHECK, headers: bearer(key) })).json().download_url as string;
      assert.equal((await fetchWithoutHeaders(app, fresh)).statusCode, 200);
      const revoked = await app.inject({ method: 'DELETE', url: '/admin/keys/app', headers: adminAuth });
      assert.equal(revoked.statusCode, 204, revoked.body);
      assertErrorEnvelope(
        await app.inject({ url: new URL(fresh).pathname + new URL(fresh).search }),
        401,
        'UNAUTHORIZED',
      );
    });

    it('public feeds: links carry no token and download without a header; a wrong file name is 404', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await admin(app, 'PATCH', '/admin/projects/trackly', { public_feeds: true });
      await upload(
        app,
        { platform: 'windows', architecture: 'x64', file_name: 'Trackly Setup 1.0.0.exe' },
        content,
      );
      const key = await createKey(app, APP_KEY);
      const link = (await app.inject({ url: CHECK, headers: bearer(key) })).json().download_url as string;
      const url = new URL(link);
      assert.equal(url.search, '');
      assert.ok(url.pathname.endsWith('/download/Trackly%20Setup%201.0.0.exe'), url.pathname);
      const file = await fetchWithoutHeaders(app, link);
      assert.equal(file.statusCode, 200);
      assert.equal(file.rawPayload.length, content.length);

      const wrongName = await app.inject({ url: url.pathname.replace('Setup', 'Other') });
      assertErrorEnvelope(wrongName, 404, 'NOT_FOUND');
      assert.match(wrongName.json().error.message, /Trackly Setup 1\.0\.0\.exe/);
      await app.gateway.catalog.downloads.flush();
      const rows = await buildRows(app);
      assert.equal(
        Number(rows.find((row) => row.id === 'windows-x64')?.downloads),
        1,
        'the download is counted once',
      );
    });

    it('the base is PUBLIC_URL when set; forwarded headers count only from trusted proxies', async (t) => {
      const withPublicUrl = await buildTestApp(t, {
        backend,
        config: { publicUrl: 'https://updates.example.com/' },
      });
      await trackly(withPublicUrl.app);
      await upload(withPublicUrl.app, { platform: 'windows', architecture: 'x64' }, content);
      const fromPublic = await withPublicUrl.app.inject({ url: CHECK, headers: adminAuth });
      assert.match(fromPublic.json().download_url, /^https:\/\/updates\.example\.com\/projects\/trackly\//);

      const forwarded = { ...adminAuth, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cdn.example.org' };
      const untrusted = await buildTestApp(t, { backend });
      await trackly(untrusted.app);
      await upload(untrusted.app, { platform: 'windows', architecture: 'x64' }, content);
      const ignored = await untrusted.app.inject({ url: CHECK, headers: forwarded });
      assert.match(ignored.json().download_url, /^http:\/\/localhost:80\//);

      const trusted = await buildTestApp(t, { backend, config: { trustProxy: true } });
      await trackly(trusted.app);
      await upload(trusted.app, { platform: 'windows', architecture: 'x64' }, content);
      const honoured = await trusted.app.inject({ url: CHECK, headers: forwarded });
      assert.match(honoured.json().download_url, /^https:\/\/cdn\.example\.org\//);

      const badHost = await untrusted.app.inject({
        url: CHECK,
        headers: { ...adminAuth, host: 'evil.example/x?' },
      });
      assertErrorEnvelope(badHost, 400, 'INVALID_REQUEST');
      assert.equal(badHost.json().error.details.field, 'Host');

      // Error answers link their documentation from the same base as every other link.
      const docsOf = async (app: typeof untrusted.app, headers: Record<string, string>) =>
        (await app.inject({ url: '/projects/none/channels/stable', headers })).json().error.documentation_url;
      assert.equal(
        await docsOf(withPublicUrl.app, adminAuth),
        'https://updates.example.com/docs/errors#NOT_FOUND',
      );
      assert.equal(await docsOf(trusted.app, forwarded), 'https://cdn.example.org/docs/errors#NOT_FOUND');
      assert.equal(await docsOf(untrusted.app, forwarded), 'http://localhost:80/docs/errors#NOT_FOUND');
      // An unusable Host is not echoed into the link: it points at the address the client reached.
      assert.match(badHost.json().error.documentation_url, /^http:\/\/[^/]+\/docs\/errors#INVALID_REQUEST$/);
      assert.doesNotMatch(badHost.json().error.documentation_url, /evil/);
    });

    it('update checks carry a strong ETag per client bucket and answer If-None-Match with 304', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await trackly(app);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content);
      const first = await app.inject({ url: CHECK, headers: adminAuth });
      const etag = first.headers.etag as string;
      assert.match(etag, /^"[\w-]+"$/);
      const again = await app.inject({ url: CHECK, headers: { ...adminAuth, 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const newer = await app.inject({
        url: CHECK.replace('0.9.0', '1.0.0'),
        headers: { ...adminAuth, 'if-none-match': etag },
      });
      assert.equal(newer.statusCode, 200, 'another answer, another tag');
      assert.notEqual(newer.headers.etag, etag);
    });
  });
}
