import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digest, multipart, storedFiles } from '../artifacts/artifacts-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import {
  addBuild,
  admin,
  createProject,
  createVersion,
  publishedVersion,
  READER_PERMISSIONS,
  versionAdminUrl,
} from './catalog-fixtures.js';

const LIST = '/admin/projects/trackly/channels/stable/versions';

async function setup(t: Parameters<typeof buildTestApp>[0], backend: 'sqlite' | 'postgres') {
  const testApp = await buildTestApp(t, { backend });
  await createProject(testApp.app, { id: 'trackly', name: 'Trackly' });
  const get = (url: string) => testApp.app.inject({ url, headers: adminAuth });
  return { ...testApp, get };
}

/** Uploads `content` as a build of a version (the multipart form the CLI sends). */
async function uploadTo(
  app: Awaited<ReturnType<typeof setup>>['app'],
  channel: string,
  version: string,
  fields: Record<string, string>,
  content: Buffer,
) {
  const response = await app.inject({
    method: 'POST',
    url: `${versionAdminUrl('trackly', channel, version)}/builds`,
    ...multipart(fields, content, fields.file_name),
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`admin versions in every state [${backend}]`, { skip }, () => {
    it('lists drafts, published and yanked versions with their state and build count; filters by status; pages by semver', async (t) => {
      const { app, get } = await setup(t, backend);
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await publishedVersion(app, 'trackly', 'stable', '0.9.0');
      await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '0.9.0')}/yank`,
        { reason: 'Data loss' },
        200,
      );
      await createVersion(app, 'trackly', 'stable', { version: 'v1.1.0' });
      await addBuild(app, 'trackly', 'stable', '1.1.0', { platform: 'linux', architecture: 'x64' });
      await addBuild(app, 'trackly', 'stable', '1.1.0', { platform: 'macos', architecture: 'universal' });

      const all = (await get(LIST)).json();
      assert.deepEqual(
        all.versions.map((v: Record<string, unknown>) => [v.id, v.status, v.build_count]),
        [
          ['1.1.0', 'draft', 2],
          ['1.0.0', 'published', 1],
          ['0.9.0', 'yanked', 1],
        ],
      );
      assert.deepEqual([all.total, all.page, all.per_page], [3, 1, 20]);
      const [draft, published, yanked] = all.versions;
      assert.equal(draft.published_at, null);
      assert.match(published.published_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(published.yanked_at, null);
      assert.equal(yanked.yank_reason, 'Data loss');
      assert.match(yanked.yanked_at, /^\d{4}-\d\d-\d\dT/);
      assert.ok(yanked.published_at, 'a yanked version keeps when it was published');

      const drafts = (await get(`${LIST}?status=draft`)).json();
      assert.deepEqual(
        drafts.versions.map((v: { id: string }) => v.id),
        ['1.1.0'],
      );
      assert.equal(drafts.total, 1);
      assert.deepEqual(
        (await get(`${LIST}?status=yanked`)).json().versions.map((v: { id: string }) => v.id),
        ['0.9.0'],
      );
      const page = (await get(`${LIST}?sort=asc&per_page=2&page=2`)).json();
      assert.deepEqual(
        page.versions.map((v: { id: string }) => v.id),
        ['1.1.0'],
      );
      assert.deepEqual([page.total, page.page, page.per_page], [3, 2, 2]);
      assert.deepEqual((await get('/admin/projects/trackly/channels/beta/versions')).json().versions, []);

      // Readers still see the published one only.
      const reader = bearer(await createKey(app, { name: 'reader', permissions: READER_PERMISSIONS }));
      const readerList = await app.inject({
        url: '/projects/trackly/channels/stable/versions',
        headers: reader,
      });
      assert.deepEqual(
        readerList.json().versions.map((v: { id: string }) => v.id),
        ['1.0.0'],
      );
    });

    it('shows one version in any state with its builds as administrators see them', async (t) => {
      const { app, get } = await setup(t, backend);
      await createVersion(app, 'trackly', 'stable', { version: '2.0.0', release_notes: 'Draft notes' });
      const content = randomBytes(5_000);
      await uploadTo(
        app,
        'stable',
        '2.0.0',
        {
          platform: 'macos',
          architecture: 'universal',
          file_name: 'Trackly-2.0.0.dmg',
          min_os_version: '12.0',
        },
        content,
      );
      await addBuild(app, 'trackly', 'stable', '2.0.0', {
        platform: 'windows',
        architecture: 'x64',
        signature: 'c2lnbmF0dXJl',
      });

      const shown = await get(`${LIST}/v2.0.0`);
      assert.equal(shown.statusCode, 200, shown.body);
      const version = shown.json();
      assert.equal(version.id, '2.0.0');
      assert.equal(version.status, 'draft');
      assert.equal(version.release_notes, 'Draft notes');
      const [dmg, exe] = version.builds;
      assert.equal(dmg.id, 'macos-universal');
      assert.equal(dmg.stored, true);
      assert.equal(dmg.file_size, content.length);
      assert.equal(dmg.checksum.sha256, digest('sha256', content));
      assert.equal(dmg.min_os_version, '12.0');
      assert.equal(dmg.status, 'pending');
      assert.ok('status_reason' in dmg);
      assert.equal(exe.id, 'windows-x64');
      assert.equal(exe.stored, false);
      assert.equal(exe.signature, 'c2lnbmF0dXJl');

      const reader = bearer(await createKey(app, { name: 'reader', permissions: READER_PERMISSIONS }));
      const hidden = await app.inject({
        url: '/projects/trackly/channels/stable/versions/2.0.0',
        headers: reader,
      });
      assert.equal(hidden.statusCode, 404);
      assert.equal(hidden.json().error.code, 'VERSION_NOT_FOUND');
    });

    it('deletes a draft with its builds and their stored files, keeping a file a promoted copy still uses', async (t) => {
      const { app, get, namespace } = await setup(t, backend);
      await createVersion(app, 'trackly', 'stable', { version: '2.0.0' });
      for (const [platform, fileName] of [
        ['windows', 'Trackly Setup 2.0.0.exe'],
        ['linux', 'Trackly-2.0.0.AppImage'],
      ] as const) {
        await uploadTo(
          app,
          'stable',
          '2.0.0',
          { platform, architecture: 'x64', file_name: fileName },
          randomBytes(3_000),
        );
      }
      assert.equal(storedFiles(namespace.dataDir).length, 2);
      await createVersion(app, 'trackly', 'stable', { version: '2.1.0' });
      await uploadTo(
        app,
        'stable',
        '2.1.0',
        { platform: 'windows', architecture: 'x64', file_name: 'Trackly Setup 2.1.0.exe' },
        randomBytes(3_000),
      );
      // The promoted draft shares 2.1.0's stored file.
      await admin(app, 'POST', `${versionAdminUrl('trackly', 'stable', '2.1.0')}/promote`, {
        to_channel: 'beta',
      });
      assert.equal(storedFiles(namespace.dataDir).length, 3);

      await admin(app, 'DELETE', `${LIST}/2.0.0`);
      assert.equal((await get(`${LIST}/2.0.0`)).json().error.code, 'VERSION_NOT_FOUND');
      assert.equal(storedFiles(namespace.dataDir).length, 1, "2.0.0's two files are gone");
      const rows = await app.gateway.database.db
        .selectFrom('builds')
        .select(['channel_id', 'version'])
        .execute();
      assert.deepEqual(rows.map((row) => `${row.channel_id}/${row.version}`).sort(), [
        'beta/2.1.0',
        'stable/2.1.0',
      ]);

      await admin(app, 'DELETE', `${LIST}/2.1.0`);
      assert.equal(storedFiles(namespace.dataDir).length, 1, 'the beta copy still uses the file');
      const copy = (await get('/admin/projects/trackly/channels/beta/versions/2.1.0')).json();
      assert.equal(copy.builds[0].stored, true);
      await admin(app, 'DELETE', '/admin/projects/trackly/channels/beta/versions/2.1.0');
      assert.equal(storedFiles(namespace.dataDir).length, 0);

      // The version can be made again from scratch, and the deletions are audited.
      await createVersion(app, 'trackly', 'stable', { version: '2.0.0' });
      const audit = (await get('/admin/audit?per_page=100')).json();
      const deleted = audit.entries.filter((entry: { action: string }) => entry.action === 'version.deleted');
      assert.deepEqual(deleted.map((entry: { target_id: string }) => entry.target_id).sort(), [
        'trackly/beta/2.1.0',
        'trackly/stable/2.0.0',
        'trackly/stable/2.1.0',
      ]);
    });
  });
}
