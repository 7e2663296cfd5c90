import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { multipart, storedFiles } from '../artifacts/artifacts-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { admin, createProject, createVersion, publishVersion, versionAdminUrl } from './catalog-fixtures.js';

const LIST = '/admin/projects/trackly/channels/stable/versions';

for (const { backend, skip } of await databaseBackends()) {
  describe(`admin versions: errors [${backend}]`, { skip }, () => {
    it('refuses to delete a version that was ever published (409 naming why) and changes nothing', async (t) => {
      const { app, namespace } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      for (const version of ['1.0.0', '0.9.0']) {
        await createVersion(app, 'trackly', 'stable', { version });
        const upload = await app.inject({
          method: 'POST',
          url: `${versionAdminUrl('trackly', 'stable', version)}/builds`,
          ...multipart({ platform: 'windows', architecture: 'x64' }, randomBytes(2_000)),
        });
        assert.equal(upload.statusCode, 201, upload.body);
        await publishVersion(app, 'trackly', 'stable', version);
      }
      await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '0.9.0')}/yank`,
        { reason: 'Broken' },
        200,
      );

      const published = assertErrorEnvelope(
        await app.inject({ method: 'DELETE', url: `${LIST}/1.0.0`, headers: adminAuth }),
        409,
        'CONFLICT',
      );
      assert.match(
        String(published.message),
        /is published; only a version that was never published can be deleted — yank it instead/,
      );
      assert.deepEqual(published.details, { version: '1.0.0', status: 'published' });
      const yanked = assertErrorEnvelope(
        await app.inject({ method: 'DELETE', url: `${LIST}/0.9.0`, headers: adminAuth }),
        409,
        'CONFLICT',
      );
      assert.match(String(yanked.message), /is yanked \(it was published\)/);

      const list = (await app.inject({ url: LIST, headers: adminAuth })).json();
      assert.deepEqual(
        list.versions.map((v: { id: string; build_count: number }) => [v.id, v.build_count]),
        [
          ['1.0.0', 1],
          ['0.9.0', 1],
        ],
      );
      assert.equal(storedFiles(namespace.dataDir).length, 2, 'no stored file was removed');
      const audit = (await app.inject({ url: '/admin/audit?per_page=100', headers: adminAuth })).json();
      assert.ok(!audit.entries.some((entry: { action: string }) => entry.action === 'version.deleted'));
    });

    it('answers each missing level with its own 404 on list, show and delete', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      const cases = [
        ['/admin/projects/ghost/channels/stable/versions', 'PROJECT_NOT_FOUND'],
        ['/admin/projects/trackly/channels/nightly/versions', 'CHANNEL_NOT_FOUND'],
      ] as const;
      for (const [url, code] of cases) {
        assertErrorEnvelope(await app.inject({ url, headers: adminAuth }), 404, code);
        for (const method of ['GET', 'DELETE'] as const) {
          assertErrorEnvelope(
            await app.inject({ method, url: `${url}/1.0.0`, headers: adminAuth }),
            404,
            code,
          );
        }
      }
      for (const method of ['GET', 'DELETE'] as const) {
        const error = assertErrorEnvelope(
          await app.inject({ method, url: `${LIST}/1.0.0`, headers: adminAuth }),
          404,
          'VERSION_NOT_FOUND',
        );
        assert.deepEqual(error.details, { project: 'trackly', channel: 'stable', version: '1.0.0' });
      }
    });

    it('rejects a bad status, bad paging or an unknown parameter, naming the field', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      for (const query of [
        'status=deleted',
        'per_page=0',
        'per_page=101',
        'page=0',
        'sort=up',
        'color=red',
      ]) {
        const error = assertErrorEnvelope(
          await app.inject({ url: `${LIST}?${query}`, headers: adminAuth }),
          400,
          'INVALID_REQUEST',
        );
        assert.match(JSON.stringify(error), new RegExp(query.split('=')[0]!), query);
      }
    });
  });
}
