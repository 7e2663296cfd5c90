import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admin, createProject, createVersion } from '../catalog/catalog-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { channelVersions, desktopAssets, REPOSITORY, setupGithub } from './github-fixtures.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`GitHub sync errors [${backend}]`, { skip }, () => {
    it('backs off until x-ratelimit-reset and keeps the last good catalog', async (t) => {
      const setup = await setupGithub(t, backend);
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      await setup.sync();
      setup.github.addRelease(REPOSITORY, { tag: 'v1.1.0', assets: desktopAssets('1.1.0') });
      const reset = Math.floor(setup.clock.now() / 1000) + 3600;
      Object.assign(setup.github.rateLimit, { remaining: 0, reset });

      const limited = await setup.sync();
      assert.equal(limited.status, 'rate_limited');
      assert.equal(limited.retry_at, new Date(reset * 1000).toISOString().replace('.000', ''));
      assert.deepEqual(await channelVersions(setup, 'stable'), ['1.0.0'], 'the last good catalog is served');

      const asked = setup.github.apiRequests().length;
      setup.clock.advance(30 * 60_000);
      const waiting = await setup.sync();
      assert.equal(waiting.status, 'rate_limited');
      assert.equal(waiting.requests.total, 0);
      assert.equal(setup.github.apiRequests().length, asked, 'nothing is asked before the reset');

      setup.clock.advance(31 * 60_000);
      Object.assign(setup.github.rateLimit, { remaining: 5000 });
      const resumed = await setup.sync();
      assert.equal(resumed.status, 'synced');
      assert.deepEqual(await channelVersions(setup, 'stable'), ['1.1.0', '1.0.0']);
      const metrics = await setup.app.gateway.metrics.registry.metrics();
      assert.match(metrics, /lunarbit_github_sync_runs_total\{outcome="rate_limited"\} 2/);
    });

    it('reports a repository GitHub does not know as failed and changes nothing', async (t) => {
      const setup = await setupGithub(t, backend);
      await admin(setup.app, 'PATCH', '/admin/projects/trackly', { repository: 'lunarbit-dev/missing' });
      const report = await setup.sync();
      assert.equal(report.status, 'failed');
      assert.match(report.error ?? '', /404/);
    });

    it('refuses projects without a repository and unknown projects', async (t) => {
      const setup = await setupGithub(t, backend);
      await createProject(setup.app, { id: 'plain', name: 'Plain' });
      const post = (projectId: string) =>
        setup.app.inject({ method: 'POST', url: `/admin/projects/${projectId}/sync`, headers: adminAuth });
      assertErrorEnvelope(await post('plain'), 400, 'INVALID_REQUEST');
      assertErrorEnvelope(await post('nope'), 404, 'PROJECT_NOT_FOUND');
    });

    it('skips drafts, non-semver tags, missing channels and versions created by hand, with reasons', async (t) => {
      const setup = await setupGithub(t, backend);
      await createProject(setup.app, {
        id: 'stable-only',
        name: 'Stable only',
        repository: REPOSITORY,
        channels: [{ id: 'stable', name: 'Stable' }],
      });
      await createVersion(setup.app, 'stable-only', 'stable', { version: '1.0.0', status: 'published' });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.1.0-rc.1', assets: desktopAssets('1.1.0-rc.1') });
      setup.github.addRelease(REPOSITORY, { tag: 'v1.2.0', draft: true });
      setup.github.addRelease(REPOSITORY, { tag: 'latest' });

      const report = await setup.sync('stable-only');
      assert.deepEqual(report.added, []);
      assert.deepEqual(
        report.skipped.map((entry) => `${entry.tag}: ${entry.reason}`),
        [
          'latest: tag is not a semantic version',
          'v1.2.0: draft release',
          "v1.1.0-rc.1: channel 'beta' does not exist in this project",
          'v1.0.0: a version created by hand already exists',
        ],
      );
    });

    it('lets one instance at a time sync a project', async (t) => {
      const first = await setupGithub(t, backend);
      first.github.addRelease(REPOSITORY, { tag: 'v1.0.0', assets: desktopAssets('1.0.0') });
      const second = await buildTestApp(t, {
        backend,
        shareWith: first,
        config: first.config,
        overrides: { clock: first.clock },
      });
      const open = first.github.hold();
      const running = first.app.inject({
        method: 'POST',
        url: '/admin/projects/trackly/sync',
        headers: adminAuth,
      });
      while (first.github.server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));

      const refused = await second.app.inject({
        method: 'POST',
        url: '/admin/projects/trackly/sync',
        headers: adminAuth,
      });
      assertErrorEnvelope(refused, 409, 'CONFLICT');
      open();
      const done = await running;
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().added.length, 1);
      const again = await second.app.inject({
        method: 'POST',
        url: '/admin/projects/trackly/sync',
        headers: adminAuth,
      });
      assert.equal(again.json().status, 'unchanged', 'the lock was released and the ETags are shared');
    });
  });
}
