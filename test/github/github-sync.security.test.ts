import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookSignature } from '../../src/github/github-webhook-signature.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import {
  channelVersions,
  desktopAssets,
  GITHUB_TOKEN,
  type GithubSetup,
  REPOSITORY,
  setupGithub,
  WEBHOOK_SECRET,
} from './github-fixtures.js';

function deliver(setup: GithubSetup, body: string, headers: Record<string, string>) {
  return setup.app.inject({
    method: 'POST',
    url: '/webhooks/github',
    payload: body,
    headers: { 'content-type': 'application/json', 'x-github-event': 'release', ...headers },
  });
}

const releaseEvent = JSON.stringify({
  action: 'published',
  release: { tag_name: 'v1.0.0' },
  repository: { full_name: 'LunarBit-dev/Trackly' },
});

for (const { backend, skip } of await databaseBackends()) {
  describe(`GitHub sync security [${backend}]`, { skip }, () => {
    it('rejects webhook deliveries with a bad or missing signature and syncs nothing', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      const forged = `${releaseEvent} `;
      const attempts: Record<string, string>[] = [
        {},
        { 'x-hub-signature-256': webhookSignature('another-secret', releaseEvent) },
        { 'x-hub-signature-256': webhookSignature(WEBHOOK_SECRET, releaseEvent).replace('sha256=', 'sha1=') },
        { 'x-hub-signature-256': webhookSignature(WEBHOOK_SECRET, forged) },
      ];
      for (const headers of attempts) {
        assertErrorEnvelope(await deliver(setup, releaseEvent, headers), 401, 'UNAUTHORIZED');
      }
      await setup.app.gateway.github.idle();
      assert.equal(setup.github.apiRequests().length, 0);
      assert.deepEqual(await channelVersions(setup, 'stable'), []);
    });

    it('a correctly signed release event syncs the projects of that repository', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      const response = await deliver(setup, releaseEvent, {
        'x-hub-signature-256': webhookSignature(WEBHOOK_SECRET, releaseEvent),
      });
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual(response.json(), { status: 'accepted', projects: ['trackly'] });
      await setup.app.gateway.github.idle();
      assert.deepEqual(await channelVersions(setup, 'stable'), ['1.0.0']);
      const audit = (await setup.get('/admin/audit?action=github.synced')).json();
      assert.equal(audit.entries[0].actor, 'github-webhook');
      assert.equal(audit.entries[0].details.trigger, 'webhook');

      const ping = await deliver(setup, '{"zen":"Keep it simple."}', {
        'x-github-event': 'ping',
        'x-hub-signature-256': webhookSignature(WEBHOOK_SECRET, '{"zen":"Keep it simple."}'),
      });
      assert.deepEqual(ping.json(), { status: 'pong', projects: [] });
    });

    it('refuses every delivery while no webhook secret is configured', async (t) => {
      const setup = await setupGithub(t, backend, { github: { webhookSecret: undefined } });
      const response = await deliver(setup, releaseEvent, {
        'x-hub-signature-256': webhookSignature('', releaseEvent),
      });
      assertErrorEnvelope(response, 401, 'UNAUTHORIZED');
    });

    it('the sync route needs canManageProjects and hides projects the key may not see', async (t) => {
      const setup = await setupGithub(t, backend);
      const reader = await createKey(setup.app, { name: 'reader', permissions: { canReadProjects: true } });
      const other = await createKey(setup.app, {
        name: 'other-manager',
        permissions: { canManageProjects: true },
        allowedProjects: ['other'],
      });
      const post = (key: string) =>
        setup.app.inject({ method: 'POST', url: '/admin/projects/trackly/sync', headers: bearer(key) });
      assertErrorEnvelope(await post(reader), 403, 'FORBIDDEN');
      assertErrorEnvelope(await post(other), 404, 'PROJECT_NOT_FOUND');
      assertErrorEnvelope(
        await setup.app.inject({ method: 'POST', url: '/admin/projects/trackly/sync' }),
        401,
        'UNAUTHORIZED',
      );
      assert.equal(setup.github.apiRequests().length, 0);
    });

    it('private repositories: builds download through the API with the token, never a browser URL', async (t) => {
      const setup = await setupGithub(t, backend, { private: true });
      setup.github.addRelease(REPOSITORY, {
        tag: 'v1.0.0',
        assets: [
          { name: 'Trackly-Setup-1.0.0.exe', content: 'private exe', digest: false },
          { name: 'SHA256SUMS.txt', content: `${'a'.repeat(64)}  Trackly-Setup-1.0.0.exe\n`, digest: false },
        ],
      });
      const report = await setup.sync();
      assert.equal(report.status, 'synced', JSON.stringify(report));
      const base = '/projects/trackly/channels/stable/versions/1.0.0/builds/windows-x64';
      const build = (await setup.get(base)).json();
      assert.equal(build.checksum.sha256, 'a'.repeat(64), 'the checksum list was read through the API');
      // The API URL answers only with the token: clients get the gateway's link, which swaps it for
      // GitHub's short-lived one on each download.
      const named = `http://localhost:80${base}/download/Trackly-Setup-1.0.0.exe`;
      assert.equal(build.download_url, named);
      const check = await setup.get(
        '/projects/trackly/channels/stable/update?current_version=0.9.0&platform=windows&architecture=x64',
      );
      const offered = new URL(check.json().download_url);
      assert.equal(check.json().download_url.split('?')[0], named, check.body);
      assert.ok(offered.searchParams.has('token'), 'a link the client follows without a header');

      const downloads = [
        await setup.get(`${base}/download`),
        await setup.app.inject({ url: `${offered.pathname}${offered.search}` }),
      ];
      for (const download of downloads) {
        assert.equal(download.statusCode, 302, download.body);
        const location = String(download.headers.location);
        assert.ok(location.startsWith(`${setup.github.url}/signed/`), location);
        assert.ok(!location.includes(GITHUB_TOKEN));
        assert.equal(await (await fetch(location)).text(), 'private exe');
      }
    });

    it('a private repository without a token fails the sync and changes nothing', async (t) => {
      const setup = await setupGithub(t, backend, { private: true, token: null });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      const report = await setup.sync();
      assert.equal(report.status, 'failed');
      assert.deepEqual(await channelVersions(setup, 'stable'), []);
    });
  });
}
