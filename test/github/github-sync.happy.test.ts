import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { admin, versionAdminUrl } from '../catalog/catalog-fixtures.js';
import { databaseBackends } from '../helpers/services.js';
import { adminVersion, channelVersions, desktopAssets, REPOSITORY, setupGithub } from './github-fixtures.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

for (const { backend, skip } of await databaseBackends()) {
  describe(`GitHub sync [${backend}]`, { skip }, () => {
    it('reads 250 releases over 3 pages of Link pagination', async (t) => {
      const setup = await setupGithub(t, backend);
      for (let n = 0; n < 250; n++) {
        setup.github.addRelease(REPOSITORY, {
          tag: `v1.${Math.floor(n / 10)}.${n % 10}`,
          assets: [{ name: `Trackly-Setup-1.${Math.floor(n / 10)}.${n % 10}.exe`, content: `exe ${n}` }],
        });
      }
      const report = await setup.sync();
      assert.equal(report.status, 'synced');
      assert.equal(report.added.length, 250);
      assert.deepEqual(report.skipped, []);
      const pages = setup.github.apiRequests().filter((request) => request.path.endsWith('/releases'));
      assert.deepEqual(
        pages.map((request) => [request.query.get('per_page'), request.query.get('page') ?? '1']),
        [
          ['100', '1'],
          ['100', '2'],
          ['100', '3'],
        ],
      );
      const list = (await setup.get('/projects/trackly/channels/stable/versions?per_page=1')).json();
      assert.equal(list.total, 250);
      assert.equal(list.versions[0].id, '1.24.9');
    });

    it('maps releases: semver latest (not creation order), prereleases to beta, notes, breaking changes, builds', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, {
        tag: 'v1.4.0',
        body: '- Faster sync',
        assets: desktopAssets('1.4.0'),
      });
      setup.github.addRelease(REPOSITORY, {
        tag: 'v2.0.0',
        name: 'Trackly 2',
        body: '## Changes\n- New dashboard',
        assets: desktopAssets('2.0.0'),
      });
      // A backported fix published after 2.0.0: newest by creation, not by version.
      setup.github.addRelease(REPOSITORY, {
        tag: 'v1.4.1',
        body: 'Fix a crash',
        assets: desktopAssets('1.4.1'),
      });
      setup.github.addRelease(REPOSITORY, {
        tag: 'v2.1.0-beta.1',
        prerelease: true,
        body: 'BREAKING: the export format changed',
        assets: desktopAssets('2.1.0-beta.1'),
      });
      setup.github.addRelease(REPOSITORY, { tag: 'nightly-2026-02-01', prerelease: true });

      const report = await setup.sync();
      assert.equal(report.status, 'synced');
      assert.deepEqual(report.added.map((entry) => `${entry.channel}/${entry.version}`).sort(), [
        'beta/2.1.0-beta.1',
        'stable/1.4.0',
        'stable/1.4.1',
        'stable/2.0.0',
      ]);
      assert.deepEqual(report.skipped, [
        { tag: 'nightly-2026-02-01', reason: 'tag is not a semantic version' },
      ]);

      assert.equal((await setup.get('/projects/trackly/channels/stable/latest')).json().id, '2.0.0');
      assert.equal((await setup.get('/projects/trackly')).json().latest_version, '2.0.0');
      assert.deepEqual(await channelVersions(setup, 'stable'), ['2.0.0', '1.4.1', '1.4.0']);
      assert.equal((await setup.get('/projects/trackly/channels/beta/latest')).json().id, '2.1.0-beta.1');

      const major = await adminVersion(setup, 'stable', '2.0.0');
      assert.equal(major?.source, 'github');
      assert.equal(major?.name, 'Trackly 2');
      assert.equal(major?.release_notes, '## Changes\n- New dashboard');
      assert.equal(major?.breaking_changes, 1, 'a major bump is breaking');
      assert.equal((await adminVersion(setup, 'stable', '1.4.1'))?.breaking_changes, 0, 'a backport is not');
      assert.equal((await adminVersion(setup, 'beta', '2.1.0-beta.1'))?.breaking_changes, 1, 'notes say so');

      const version = (await setup.get('/projects/trackly/channels/stable/versions/2.0.0')).json();
      const builds = Object.fromEntries(
        (version.builds as { id: string; file_name: string }[]).map((build) => [build.id, build.file_name]),
      );
      assert.deepEqual(builds, {
        'windows-x64': 'Trackly-Setup-2.0.0.exe',
        'macos-universal': 'Trackly-2.0.0-universal.dmg',
        'linux-x64': 'trackly_2.0.0_amd64.deb',
      });
    });

    it('takes checksums from the digest, else from SHA256SUMS, else leaves the build pending; .sig is the signature', async (t) => {
      const setup = await setupGithub(t, backend);
      const sums = `${sha256('deb')}  trackly_1.0.0_amd64.deb\n`;
      setup.github.addRelease(REPOSITORY, {
        tag: 'v1.0.0',
        assets: [
          { name: 'Trackly_1.0.0_x64-setup.exe', content: 'exe' },
          { name: 'Trackly_1.0.0_x64-setup.exe.sig', content: 'dW50cnVzdGVkIGNvbW1lbnQ=\n', digest: false },
          { name: 'trackly_1.0.0_amd64.deb', content: 'deb', digest: false },
          { name: 'Trackly_1.0.0_aarch64.dmg', content: 'dmg', digest: false },
          { name: 'SHA256SUMS', content: sums, digest: false },
          { name: 'Trackly-1.0.0-src.tar.gz', content: 'src' },
        ],
      });
      const report = await setup.sync();
      assert.deepEqual(report.skipped, [
        { tag: 'v1.0.0', asset: 'Trackly-1.0.0-src.tar.gz', reason: 'source archive' },
      ]);
      const build = async (id: string) =>
        (await setup.get(`/projects/trackly/channels/stable/versions/1.0.0/builds/${id}`)).json();
      const windows = await build('windows-x64');
      assert.equal(windows.checksum.sha256, sha256('exe'));
      assert.equal(windows.status, 'verified');
      const row = await setup.app.gateway.database.db
        .selectFrom('builds')
        .select(['signature'])
        .where('id', '=', 'windows-x64')
        .executeTakeFirstOrThrow();
      assert.equal(row.signature, 'dW50cnVzdGVkIGNvbW1lbnQ=');
      const linux = await build('linux-x64');
      assert.equal(linux.checksum.sha256, sha256('deb'));
      assert.equal(linux.status, 'pending');
      const mac = await build('macos-arm64');
      assert.equal(mac.checksum.sha256, '');
      assert.equal(mac.status, 'pending');
      assert.match(windows.download_url, /\/lunarbit-dev\/trackly\/releases\/download\/v1\.0\.0\//);
    });

    it('a second sync with no change on GitHub is answered by 304s and writes nothing', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.1.0', assets: desktopAssets('1.1.0') });
      assert.equal((await setup.sync()).added.length, 2);
      const before = await setup.app.gateway.database.db.selectFrom('versions').selectAll().execute();
      const snapshot = await setup.app.gateway.catalog.readModel.snapshot('trackly');
      const budget = setup.github.rateLimit.remaining;
      setup.clock.advance(60_000);

      const report = await setup.sync();
      assert.equal(report.status, 'unchanged');
      assert.deepEqual([report.added, report.updated, report.yanked], [[], [], []]);
      assert.equal(report.requests.total, 2, 'the repository and one page');
      assert.equal(report.requests.not_modified, 2);
      assert.equal(setup.github.rateLimit.remaining, budget, 'no rate limit spent');
      const conditional = setup.github.apiRequests().slice(-2);
      assert.ok(conditional.every((request) => typeof request.headers['if-none-match'] === 'string'));
      assert.deepEqual(
        await setup.app.gateway.database.db.selectFrom('versions').selectAll().execute(),
        before,
      );
      assert.equal(
        await setup.app.gateway.catalog.readModel.snapshot('trackly'),
        snapshot,
        'the read model was not dropped',
      );
    });

    it('a changed release updates only what changed; fields edited by an admin survive', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, {
        tag: 'v1.0.0',
        body: 'First notes',
        assets: desktopAssets('1.0.0'),
      });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.1.0', body: 'Other', assets: desktopAssets('1.1.0') });
      await setup.sync();
      await admin(setup.app, 'PATCH', versionAdminUrl('trackly', 'stable', '1.0.0'), {
        release_notes: 'Notes written by the studio',
      });

      setup.github.editRelease(REPOSITORY, 'v1.0.0', {
        name: 'Trackly 1.0',
        body: 'Notes edited on GitHub',
        assets: [...desktopAssets('1.0.0'), { name: 'Trackly-1.0.0-arm64.AppImage', content: 'arm' }],
      });
      const report = await setup.sync();
      assert.equal(report.status, 'synced');
      assert.equal(report.unchanged, 1);
      assert.deepEqual(report.updated, [
        { version: '1.0.0', channel: 'stable', tag: 'v1.0.0', changes: ['name', 'build linux-arm64 added'] },
      ]);
      const row = await adminVersion(setup, 'stable', '1.0.0');
      assert.equal(row?.release_notes, 'Notes written by the studio');
      assert.equal(row?.name, 'Trackly 1.0');
      assert.equal((await setup.sync()).status, 'unchanged');
    });

    it('a release deleted on GitHub is yanked with the reason, once', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.1.0', assets: desktopAssets('1.1.0') });
      await setup.sync();
      setup.github.deleteRelease(REPOSITORY, 'v1.1.0');

      const report = await setup.sync();
      assert.deepEqual(report.yanked, [
        { version: '1.1.0', channel: 'stable', tag: 'v1.1.0', reason: 'GitHub release v1.1.0 was deleted' },
      ]);
      const row = await adminVersion(setup, 'stable', '1.1.0');
      assert.equal(row?.status, 'yanked');
      assert.equal(row?.yank_reason, 'GitHub release v1.1.0 was deleted');
      assert.equal((await setup.get('/projects/trackly/channels/stable/latest')).json().id, '1.0.0');
      const again = await setup.sync();
      assert.deepEqual([again.status, again.yanked], ['unchanged', []]);
    });

    it('records every sync in the audit log and the metrics', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      await setup.sync();
      await setup.sync();
      const audit = (await setup.get('/admin/audit?action=github.synced')).json();
      assert.deepEqual(
        audit.entries.map((entry: { details: { status: string }; actor: string }) => [
          entry.actor,
          entry.details.status,
        ]),
        [
          ['admin', 'unchanged'],
          ['admin', 'synced'],
        ],
      );
      const metrics = await setup.app.gateway.metrics.registry.metrics();
      assert.match(metrics, /lunarbit_github_sync_runs_total\{outcome="synced"\} 1/);
      assert.match(metrics, /lunarbit_github_sync_runs_total\{outcome="unchanged"\} 1/);
    });
  });
}
