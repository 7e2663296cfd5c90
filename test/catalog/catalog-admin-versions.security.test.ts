import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { addBuild, createProject, createVersion, publishedVersion } from './catalog-fixtures.js';

const admin = (projectId: string) => `/admin/projects/${projectId}/channels/stable/versions`;

/** The three admin version routes of a project, each on a version that exists in trackly (a draft). */
const routes = (projectId: string) =>
  [
    { method: 'GET', url: admin(projectId) },
    { method: 'GET', url: `${admin(projectId)}/2.0.0` },
    { method: 'DELETE', url: `${admin(projectId)}/2.0.0` },
  ] as const;

for (const { backend, skip } of await databaseBackends()) {
  describe(`admin versions: access [${backend}]`, { skip }, () => {
    it('needs canManageProjects; readers get 403, no key 401, and drafts never reach a reader', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await createVersion(app, 'trackly', 'stable', { version: '2.0.0' });
      await addBuild(app, 'trackly', 'stable', '2.0.0', { platform: 'windows', architecture: 'x64' });
      const reader = bearer(
        await createKey(app, {
          name: 'reader',
          permissions: { canReadProjects: true, canReadVersions: true, canCheckUpdates: true },
        }),
      );
      for (const route of routes('trackly')) {
        const error = assertErrorEnvelope(await app.inject({ ...route, headers: reader }), 403, 'FORBIDDEN');
        assert.deepEqual(error.details, { permission: 'canManageProjects' });
        assertErrorEnvelope(await app.inject(route), 401, 'UNAUTHORIZED');
      }
      const base = '/projects/trackly/channels/stable';
      for (const url of [
        `${base}/versions/2.0.0`,
        `${base}/versions/2.0.0/builds/windows-x64`,
        `${base}/versions/2.0.0/builds/windows-x64/download`,
      ]) {
        assertErrorEnvelope(await app.inject({ url, headers: reader }), 404, 'VERSION_NOT_FOUND');
      }
      assert.equal((await app.inject({ url: `${base}/latest`, headers: reader })).json().id, '1.0.0');
      const check = await app.inject({
        url: `${base}/update?current_version=1.0.0&platform=windows&architecture=x64`,
        headers: reader,
      });
      assert.equal(check.json().update_available, false, 'a draft is never offered');
      // The draft is still there: nothing a reader did touched it.
      assert.equal(
        (await app.inject({ url: `${admin('trackly')}/2.0.0`, headers: adminAuth })).statusCode,
        200,
      );
    });

    it('a key restricted to another project gets the 404 of a project that does not exist', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await createProject(app, { id: 'csviewer', name: 'CSViewer' });
      await createVersion(app, 'csviewer', 'stable', { version: '2.0.0' });
      const restricted = bearer(
        await createKey(app, {
          name: 'trackly manager',
          permissions: { canManageProjects: true },
          allowedProjects: ['trackly'],
        }),
      );
      const hidden = routes('csviewer');
      const ghost = routes('ghost');
      for (const [i, route] of hidden.entries()) {
        const response = await app.inject({ ...route, headers: restricted });
        const error = assertErrorEnvelope(response, 404, 'PROJECT_NOT_FOUND');
        assert.deepEqual(error.details, { project: 'csviewer', available_projects: ['trackly'] });
        const missing = await app.inject({ ...ghost[i]!, headers: restricted });
        assert.equal(
          response.json().error.message.replace('csviewer', 'X'),
          missing.json().error.message.replace('ghost', 'X'),
        );
      }
      assert.equal(
        (await app.inject({ url: `${admin('csviewer')}/2.0.0`, headers: adminAuth })).json().status,
        'draft',
        'the hidden draft was not deleted',
      );
    });

    it('admin version views carry no storage keys or internal columns', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await createVersion(app, 'trackly', 'stable', { version: '2.0.0' });
      await addBuild(app, 'trackly', 'stable', '2.0.0', { platform: 'windows', architecture: 'x64' });
      for (const url of [admin('trackly'), `${admin('trackly')}/2.0.0`]) {
        const body = (await app.inject({ url, headers: adminAuth })).body;
        assert.match(body, /"id":"2\.0\.0"/);
        for (const field of ['storage_key', 'project_id', 'channel_id', 'position']) {
          assert.ok(!body.includes(`"${field}"`), `${url} leaks ${field}`);
        }
      }
    });
  });
}
