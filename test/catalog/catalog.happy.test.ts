import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import {
  addBuild,
  admin,
  createProject,
  createVersion,
  publishedVersion,
  publishVersion,
  READER_PERMISSIONS,
  versionAdminUrl,
} from './catalog-fixtures.js';

async function setup(t: Parameters<typeof buildTestApp>[0], backend: 'sqlite' | 'postgres') {
  const testApp = await buildTestApp(t, { backend });
  const { app } = testApp;
  await createProject(app, { id: 'trackly', name: 'Trackly' });
  const key = await createKey(app, { name: 'reader', permissions: READER_PERMISSIONS });
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { ...bearer(key), ...headers } });
  return { ...testApp, get };
}

const ids = (body: { versions: { id: string }[] }) => body.versions.map((v) => v.id);

for (const { backend, skip } of await databaseBackends()) {
  describe(`catalog reads [${backend}]`, { skip }, () => {
    it('lists versions by semver with prereleases in order, both ways, and pages through them', async (t) => {
      const { app, get } = await setup(t, backend);
      for (const version of ['1.2.0', '1.2.0-beta.10', '1.1.9', '1.2.0-beta.2']) {
        await publishedVersion(app, 'trackly', 'beta', version);
      }
      const url = '/projects/trackly/channels/beta/versions';
      assert.deepEqual(ids((await get(url)).json()), ['1.2.0', '1.2.0-beta.10', '1.2.0-beta.2', '1.1.9']);
      assert.deepEqual(ids((await get(`${url}?sort=asc`)).json()), [
        '1.1.9',
        '1.2.0-beta.2',
        '1.2.0-beta.10',
        '1.2.0',
      ]);
      const second = (await get(`${url}?page=2&per_page=3`)).json();
      assert.deepEqual(ids(second), ['1.1.9']);
      assert.deepEqual([second.total, second.page, second.per_page], [4, 2, 3]);
      const beyond = (await get(`${url}?page=3&per_page=3`)).json();
      assert.deepEqual(beyond, { versions: [], total: 4, page: 3, per_page: 3 });
      assert.equal((await get(`${url}?per_page=100`)).statusCode, 200);
    });

    it('drafts are invisible to readers; publishing shows them', async (t) => {
      const { app, get } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await createVersion(app, 'trackly', 'stable', { version: '1.1.0' });
      await addBuild(app, 'trackly', 'stable', '1.1.0', { platform: 'linux', architecture: 'x64' });
      const base = '/projects/trackly/channels/stable';
      assert.deepEqual(ids((await get(`${base}/versions`)).json()), ['1.0.0']);
      assert.equal((await get(`${base}/latest`)).json().id, '1.0.0');
      for (const url of [
        `${base}/versions/1.1.0`,
        `${base}/versions/1.1.0/builds/linux-x64`,
        `${base}/versions/1.1.0/builds/linux-x64/download`,
      ]) {
        const response = await get(url);
        assert.equal(response.statusCode, 404, url);
        assert.equal(response.json().error.code, 'VERSION_NOT_FOUND', url);
      }
      assert.equal((await get('/projects/trackly')).json().latest_version, '1.0.0');
      await publishVersion(app, 'trackly', 'stable', '1.1.0');
      assert.equal((await get(`${base}/latest`)).json().id, '1.1.0');
      assert.equal((await get(`${base}/versions/v1.1.0`)).json().id, '1.1.0', 'a leading v is accepted');
    });

    it('a yanked version is never latest nor listed, and publishing restores it', async (t) => {
      const { app, get } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await publishedVersion(app, 'trackly', 'stable', '2.0.0');
      const yanked = await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '2.0.0')}/yank`,
        {
          reason: 'Crashes on start',
        },
        200,
      );
      assert.equal(yanked.status, 'yanked');
      assert.equal(yanked.yank_reason, 'Crashes on start');
      const base = '/projects/trackly/channels/stable';
      assert.equal((await get(`${base}/latest`)).json().id, '1.0.0');
      assert.equal((await get(`${base}/versions`)).json().total, 1);
      assert.equal((await get('/projects/trackly')).json().latest_version, '1.0.0');
      assert.equal((await get(`${base}/versions/2.0.0`)).statusCode, 404);
      assert.equal(
        (await get('/projects/trackly/channels/beta/latest')).json().id,
        '1.0.0',
        'nor through beta',
      );
      await publishVersion(app, 'trackly', 'stable', '2.0.0');
      assert.equal((await get(`${base}/latest`)).json().id, '2.0.0');
    });

    it('beta offers stable releases; a promoted version appears in the target channel with its notes and builds', async (t) => {
      const { app, get } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await publishedVersion(app, 'trackly', 'beta', '1.1.0-beta.1', { release_notes: 'Preview' });
      const beta = '/projects/trackly/channels/beta';
      assert.equal((await get(`${beta}/latest`)).json().id, '1.1.0-beta.1');
      assert.deepEqual(
        ids((await get(`${beta}/versions`)).json()),
        ['1.1.0-beta.1'],
        'lists its own versions',
      );

      await publishedVersion(app, 'trackly', 'stable', '1.1.0');
      const latest = (await get(`${beta}/latest`)).json();
      assert.equal(latest.id, '1.1.0', 'a newer stable release wins in beta');
      assert.equal(latest.channel, 'stable');
      assert.equal((await get(`${beta}/versions/1.1.0/builds/windows-x64`)).statusCode, 200);

      const promoted = await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'beta', '1.1.0-beta.1')}/promote`,
        {
          to_channel: 'stable',
        },
      );
      assert.equal(promoted.channel, 'stable');
      const inStable = (await get('/projects/trackly/channels/stable/versions/1.1.0-beta.1')).json();
      assert.equal(inStable.release_notes, 'Preview');
      assert.deepEqual(
        inStable.builds.map((b: { id: string }) => b.id),
        ['windows-x64'],
      );
    });

    it('serves strong ETags: 304 on a match, a new ETag after a write', async (t) => {
      const { app, get, config } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      const urls = [
        '/projects',
        '/projects/trackly',
        '/projects/trackly/channels/stable/versions',
        '/projects/trackly/channels/stable/versions/1.0.0',
        '/projects/trackly/channels/stable/latest',
        '/projects/trackly/channels/stable/versions/1.0.0/builds/windows-x64',
      ];
      for (const url of urls) {
        const first = await get(url);
        const etag = String(first.headers.etag);
        assert.match(etag, /^"[A-Za-z0-9_-]{16,}"$/, `strong ETag on ${url}`);
        assert.equal(first.headers['cache-control'], `private, max-age=${config.cacheTtlMs / 1000}`);
        assert.equal((await get(url)).headers.etag, etag, 'stable while nothing changes');
        const cached = await get(url, { 'if-none-match': etag });
        assert.equal(cached.statusCode, 304, url);
        assert.equal(cached.body, '');
        assert.equal(cached.headers.etag, etag);
        assert.equal((await get(url, { 'if-none-match': `"other", W/${etag}` })).statusCode, 304);
        assert.equal((await get(url, { 'if-none-match': '"stale"' })).statusCode, 200);
      }
      const before = String((await get(urls[1]!)).headers.etag);
      await admin(app, 'PATCH', '/admin/projects/trackly', { description: 'Now described' });
      const after = await get(urls[1]!, { 'if-none-match': before });
      assert.equal(after.statusCode, 200);
      assert.notEqual(after.headers.etag, before);
      assert.equal(after.json().description, 'Now described');
    });

    it('counts downloads in batches and reports them per build, version and project', async (t) => {
      const { app, get } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await addBuild(app, 'trackly', 'stable', '1.0.0', { platform: 'linux', architecture: 'x64' });
      const base = '/projects/trackly/channels/stable/versions/1.0.0/builds';
      const download = await get(`${base}/linux-x64/download`);
      assert.equal(download.statusCode, 302);
      assert.equal(
        download.headers.location,
        'https://cdn.example.com/trackly/1.0.0/trackly-1.0.0-linux-x64.bin',
      );
      assert.equal(download.headers['cache-control'], 'no-store');
      await get(`${base}/linux-x64/download`);
      await get(`${base}/windows-x64/download`);
      assert.equal((await get(`${base}/linux-x64`)).json().downloads, 0, 'not yet flushed');
      await app.gateway.catalog.downloads.flush();
      assert.equal((await get(`${base}/linux-x64`)).json().downloads, 2);
      assert.equal((await get('/projects/trackly/channels/stable/versions/1.0.0')).json().downloads, 3);
      assert.equal((await get('/projects/trackly')).json().total_downloads, 3);
    });
  });

  describe(`catalog administration [${backend}]`, { skip }, () => {
    it('creates default channels, takes explicit ones with includes, and audits every write', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const project = await createProject(app, { id: 'trackly', name: 'Trackly', public_feeds: true });
      assert.deepEqual(
        project.channels.map((c: { id: string; includes: string[] }) => [c.id, c.includes]),
        [
          ['stable', []],
          ['beta', ['stable']],
        ],
      );
      assert.equal(project.public_feeds, true);
      const dev = await admin(app, 'POST', '/admin/projects/trackly/channels', { id: 'dev' });
      assert.deepEqual(dev.includes, ['beta', 'stable']);
      const custom = await createProject(app, {
        id: 'launcher',
        name: 'Launcher',
        channels: [{ id: 'main', name: 'Main', auto_update: true }],
      });
      assert.deepEqual(
        custom.channels.map((c: { id: string }) => c.id),
        ['main'],
      );

      const version = await createVersion(app, 'trackly', 'stable', { version: 'v1.0.0' });
      assert.deepEqual(
        [version.id, version.name, version.status, version.source],
        ['1.0.0', 'v1.0.0', 'draft', 'manual'],
      );
      const edited = await admin(app, 'PATCH', versionAdminUrl('trackly', 'stable', '1.0.0'), {
        release_notes: 'Notes',
        rollout_percentage: 25,
      });
      assert.deepEqual(edited.edited_fields, ['release_notes', 'rollout_percentage']);
      const build = await addBuild(app, 'trackly', 'stable', '1.0.0', {
        platform: 'macos',
        architecture: 'arm64',
      });
      assert.equal(build.id, 'macos-arm64');
      assert.equal(build.status, 'pending');
      await publishVersion(app, 'trackly', 'stable', '1.0.0');
      await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '1.0.0')}/yank`,
        { reason: 'bad' },
        200,
      );
      await admin(app, 'DELETE', `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds/macos-arm64`);
      await admin(app, 'DELETE', '/admin/projects/trackly/channels/dev');

      const audit = await app.inject({ url: '/admin/audit?per_page=100', headers: adminAuth });
      const actions = audit
        .json()
        .entries.map((e: { action: string; target_id: string }) => `${e.action} ${e.target_id}`)
        .reverse();
      assert.deepEqual(actions, [
        'project.created trackly',
        'channel.created trackly/dev',
        'project.created launcher',
        'version.created trackly/stable/1.0.0',
        'version.updated trackly/stable/1.0.0',
        'build.created trackly/stable/1.0.0/macos-arm64',
        'version.published trackly/stable/1.0.0',
        'version.yanked trackly/stable/1.0.0',
        'build.deleted trackly/stable/1.0.0/macos-arm64',
        'channel.deleted trackly/dev',
      ]);
    });

    it('deleting a project with published versions needs force=true', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      const refused = await admin(app, 'DELETE', '/admin/projects/trackly', undefined, 409);
      assert.equal(refused.error.details.published_versions, 1);
      await admin(app, 'DELETE', '/admin/projects/trackly?force=true');
      const gone = await app.inject({ url: '/projects/trackly', headers: adminAuth });
      assert.equal(gone.json().error.code, 'PROJECT_NOT_FOUND');
      await createProject(app, { id: 'trackly', name: 'Trackly again' });
      assert.equal(
        (await app.inject({ url: '/projects/trackly/channels/stable/versions', headers: adminAuth })).json()
          .total,
        0,
      );
    });
  });
}
