import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { createProject, publishedVersion } from './catalog-fixtures.js';

const ALL_CATALOG = { canReadProjects: true, canReadVersions: true, canManageProjects: true };

/** Every catalog route for one project, with a body that would be valid. */
function routesFor(projectId: string) {
  const channel = `/projects/${projectId}/channels/stable`;
  const version = `${channel}/versions/1.0.0`;
  const adminVersion = `/admin${version}`;
  const build = {
    platform: 'linux',
    architecture: 'x64',
    file_name: 'x.AppImage',
    file_size: 1,
    download_url: 'https://cdn.example.com/x.AppImage',
    checksum: { sha256: 'd'.repeat(64) },
  };
  return [
    { method: 'GET', url: `/projects/${projectId}` },
    { method: 'GET', url: `${channel}/versions` },
    { method: 'GET', url: `${channel}/latest` },
    { method: 'GET', url: version },
    { method: 'GET', url: `${version}/builds/windows-x64` },
    { method: 'GET', url: `${version}/builds/windows-x64/download` },
    { method: 'PATCH', url: `/admin/projects/${projectId}`, payload: { name: 'Taken over' } },
    { method: 'DELETE', url: `/admin/projects/${projectId}?force=true` },
    { method: 'POST', url: `/admin/projects/${projectId}/channels`, payload: { id: 'dev' } },
    { method: 'PATCH', url: `/admin${channel}`, payload: { name: 'x' } },
    { method: 'DELETE', url: `/admin${channel}?force=true` },
    { method: 'POST', url: `/admin${channel}/versions`, payload: { version: '9.9.9' } },
    { method: 'PATCH', url: adminVersion, payload: { name: 'x' } },
    { method: 'POST', url: `${adminVersion}/publish` },
    { method: 'POST', url: `${adminVersion}/yank`, payload: { reason: 'x' } },
    { method: 'POST', url: `${adminVersion}/promote`, payload: { to_channel: 'beta' } },
    { method: 'POST', url: `${adminVersion}/builds`, payload: build },
    { method: 'DELETE', url: `${adminVersion}/builds/windows-x64` },
    { method: 'GET', url: `/admin${channel}/versions?status=draft` },
    { method: 'GET', url: adminVersion },
    { method: 'DELETE', url: adminVersion },
  ] as const;
}

async function setup(t: Parameters<typeof buildTestApp>[0], backend: 'sqlite' | 'postgres') {
  const clock = createManualClock();
  const testApp = await buildTestApp(t, { backend, overrides: { clock } });
  const { app } = testApp;
  await createProject(app, { id: 'trackly', name: 'Trackly' });
  clock.advance(1_000);
  await createProject(app, { id: 'csviewer', name: 'CSViewer' });
  await publishedVersion(app, 'trackly', 'stable', '1.0.0');
  await publishedVersion(app, 'csviewer', 'stable', '1.0.0');
  return testApp;
}

const withoutRequestId = (body: string) => body.replace(/"request_id":"[^"]+"/, '"request_id":"-"');

for (const { backend, skip } of await databaseBackends()) {
  describe(`catalog access control [${backend}]`, { skip }, () => {
    it('a key restricted to trackly gets 404 for csviewer everywhere, exactly as for a project that does not exist', async (t) => {
      const { app } = await setup(t, backend);
      const key = await createKey(app, {
        name: 'trackly only',
        permissions: ALL_CATALOG,
        allowedProjects: ['trackly'],
      });
      const headers = bearer(key);

      const list = (await app.inject({ url: '/projects', headers })).json();
      assert.deepEqual(
        list.projects.map((p: { id: string }) => p.id),
        ['trackly'],
      );
      assert.equal(list.total, 1);

      const hidden = routesFor('csviewer');
      const missing = routesFor('ghost');
      for (const [i, route] of hidden.entries()) {
        const response = await app.inject({ ...route, headers });
        const error = assertErrorEnvelope(response, 404, 'PROJECT_NOT_FOUND');
        assert.deepEqual(error.details, { project: 'csviewer', available_projects: ['trackly'] }, route.url);
        const ghost = await app.inject({ ...missing[i]!, headers });
        assert.equal(
          withoutRequestId(response.body).replaceAll('csviewer', 'X'),
          withoutRequestId(ghost.body).replaceAll('ghost', 'X'),
          `${route.method} ${route.url} tells nothing a missing project would not`,
        );
      }
      // Nothing was changed in the hidden project.
      const untouched = await app.inject({
        url: '/projects/csviewer/channels/stable/latest',
        headers: adminAuth,
      });
      assert.equal(untouched.json().id, '1.0.0');
      assert.equal(untouched.json().builds.length, 1);
      const audit = await app.inject({ url: '/admin/audit?target_id=csviewer', headers: adminAuth });
      assert.equal(audit.json().total, 1, 'only its creation');

      // Creating projects outside the allowed list: the same refusal whether or not they exist.
      for (const id of ['csviewer', 'brandnew']) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/projects',
          headers,
          payload: { id, name: 'X' },
        });
        assertErrorEnvelope(response, 403, 'FORBIDDEN');
      }
      // Within its project the key works.
      const renamed = await app.inject({
        method: 'PATCH',
        url: '/admin/projects/trackly',
        headers,
        payload: { name: 'Trackly 2' },
      });
      assert.equal(renamed.statusCode, 200);
    });

    it('each route needs its permission: reads canReadProjects/canReadVersions, writes canManageProjects', async (t) => {
      const { app } = await setup(t, backend);
      const projectsOnly = bearer(
        await createKey(app, { name: 'projects', permissions: { canReadProjects: true } }),
      );
      const reader = bearer(
        await createKey(app, {
          name: 'reader',
          permissions: { canReadProjects: true, canReadVersions: true },
        }),
      );
      for (const route of routesFor('trackly')) {
        const needs =
          route.method !== 'GET' || route.url.startsWith('/admin')
            ? 'canManageProjects'
            : route.url.includes('/channels/')
              ? 'canReadVersions'
              : 'canReadProjects';
        const response = await app.inject({
          ...route,
          headers: needs === 'canManageProjects' ? reader : projectsOnly,
        });
        if (needs === 'canReadProjects') {
          assert.equal(response.statusCode, 200, route.url);
          continue;
        }
        const error = assertErrorEnvelope(response, 403, 'FORBIDDEN');
        assert.deepEqual(error.details, { permission: needs }, `${route.method} ${route.url}`);
        assertErrorEnvelope(await app.inject({ method: route.method, url: route.url }), 401, 'UNAUTHORIZED');
      }
      assertErrorEnvelope(
        await app.inject({
          method: 'POST',
          url: '/admin/projects',
          headers: reader,
          payload: { id: 'x', name: 'x' },
        }),
        403,
        'FORBIDDEN',
      );
      assertErrorEnvelope(await app.inject({ url: '/projects' }), 401, 'UNAUTHORIZED');
    });

    it('reader responses carry no internal fields', async (t) => {
      const { app } = await setup(t, backend);
      const headers = bearer(await createKey(app, { name: 'r', permissions: ALL_CATALOG }));
      const base = '/projects/trackly/channels/stable/versions/1.0.0';
      const internal = [
        'status_reason',
        'verification_attempts',
        'next_retry_at',
        'edited_fields',
        'source',
        'yank_reason',
        'yanked_at',
        'rollout_percentage',
        'project_id',
        'channel_id',
        'position',
        'updated_at',
      ];
      for (const url of [base, `${base}/builds/windows-x64`, '/projects/trackly/channels/stable/versions']) {
        const body = (await app.inject({ url, headers })).body;
        for (const field of internal) assert.ok(!body.includes(`"${field}"`), `${url} leaks ${field}`);
      }
    });

    it('declares every catalog route in the inventory with its permission and rate group', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      // Update checks and feeds live under /projects too; they are the update service's (test/updates).
      const updateRoutes = /\/channels\/:channelId\/(update|tauri|electron|electron-updater|sparkle)(\/|$)/;
      const catalogRoutes = app.gateway.routes.filter(
        (route) =>
          (route.url.startsWith('/projects') || route.url.startsWith('/admin/projects')) &&
          !updateRoutes.test(route.url),
      );
      // The build verify route is the artifacts domain's (test/artifacts) and the sync route the
      // GitHub domain's (test/github); they are guarded like these.
      const ownRoutes = catalogRoutes.filter(
        (route) =>
          !route.url.endsWith('/builds/:buildId/verify') && route.url !== '/admin/projects/:projectId/sync',
      );
      // The named download link is also served without a key (public feeds, download tokens): its
      // public variant is checked by the download tests.
      const keyed = catalogRoutes.filter(
        (route) => route.auth !== 'public' || !route.url.endsWith('/:fileName'),
      );
      assert.equal(ownRoutes.filter((route) => route.method !== 'HEAD').length, 25);
      for (const route of keyed) {
        assert.equal(route.auth, 'key', route.url);
        assert.equal(route.rateGroup, 'key', route.url);
        const expected = route.url.startsWith('/admin')
          ? 'canManageProjects'
          : route.url.includes('/channels/')
            ? 'canReadVersions'
            : 'canReadProjects';
        assert.equal(route.permission, expected, `${route.method} ${route.url}`);
        if (route.url.endsWith('/download/:fileName')) assert.equal(route.orPermission, 'canCheckUpdates');
      }
    });
  });
}
