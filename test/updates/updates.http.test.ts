/** `GET …/update` and `POST /update/check` beyond the reference: errors, access, rollouts, rollback. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admin, createProject, publishedVersion, versionAdminUrl } from '../catalog/catalog-fixtures.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { buildUpdatesTestApp } from './updates-test-app.js';

const check = (project: string, current: string, extra = '') =>
  `/projects/${project}/channels/stable/update?current_version=${current}&platform=windows&architecture=x64${extra}`;

for (const { backend, skip } of await databaseBackends()) {
  describe(`updates: checks over HTTP [${backend}]`, { skip }, () => {
    it('rejects invalid input, hides forbidden projects, needs canCheckUpdates', async (t) => {
      const { app } = await buildUpdatesTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await createProject(app, { id: 'vault', name: 'Vault' });
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      const key = await createKey(app, {
        name: 'trackly',
        permissions: { canCheckUpdates: true },
        allowedProjects: ['trackly'],
      });
      const get = (url: string, k = key) => app.inject({ url, headers: bearer(k) });

      const invalid = await get(check('trackly', 'one.two'));
      assert.equal(invalid.statusCode, 400);
      assert.equal(invalid.json().error.code, 'INVALID_REQUEST');
      assert.equal((await get(check('trackly', '1.0.0').replace('windows', 'amiga'))).statusCode, 400);
      assert.equal((await get(check('trackly', 'v1.0.0'))).json().current_version, '1.0.0');

      const hidden = await get(check('vault', '1.0.0'));
      const missing = await get(check('nope', '1.0.0'));
      assert.equal(hidden.statusCode, 404);
      assert.deepEqual(hidden.json().error.details, { project: 'vault', available_projects: ['trackly'] });
      assert.equal(missing.json().error.message.replace('nope', 'vault'), hidden.json().error.message);
      const channel = await get(check('trackly', '1.0.0').replace('stable', 'nightly'));
      assert.equal(channel.json().error.code, 'CHANNEL_NOT_FOUND');

      const reader = await createKey(app, { name: 'reader', permissions: { canReadVersions: true } });
      assert.equal((await get(check('trackly', '1.0.0'), reader)).statusCode, 403);
      assert.equal((await app.inject({ url: check('trackly', '1.0.0') })).statusCode, 401);

      const launcher = (installed: unknown[]) =>
        app.inject({
          method: 'POST',
          url: '/update/check',
          headers: bearer(key),
          payload: { client: { launcher_version: '1.0.0', os: 'windows', architecture: 'x64' }, installed },
        });
      const tooMany = await launcher(
        Array.from({ length: 101 }, () => ({ project_id: 'trackly', version: '1.0.0' })),
      );
      assert.equal(tooMany.statusCode, 400);
      const mixed = await launcher([
        { project_id: 'vault', version: '1.0.0' },
        { project_id: 'trackly', version: 'bad' },
        { project_id: 'trackly', version: '1.0.0', channel: 'nightly' },
        { project_id: 'trackly', version: '0.9.0' },
      ]);
      assert.equal(mixed.statusCode, 200, mixed.body);
      const entries = mixed.json().project_updates;
      assert.deepEqual(
        entries.map((entry: { error?: { code: string } }) => entry.error?.code),
        ['PROJECT_NOT_FOUND', 'INVALID_REQUEST', 'CHANNEL_NOT_FOUND', undefined],
      );
      assert.equal(entries[3].update_available, true);
      assert.equal(mixed.json().updates_available, true);
      assert.equal(mixed.json().launcher_update.error.code, 'PROJECT_NOT_FOUND', 'no launcher project here');
    });

    it('staged rollouts by client id; rollback off a yanked version', async (t) => {
      const { app } = await buildUpdatesTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      await publishedVersion(app, 'trackly', 'stable', '1.1.0', { rollout_percentage: 50 });
      const key = await createKey(app, { name: 'k', permissions: { canCheckUpdates: true } });
      const latestFor = async (extra: string, headers: Record<string, string> = {}) =>
        (
          await app.inject({ url: check('trackly', '0.9.0', extra), headers: { ...bearer(key), ...headers } })
        ).json().latest_version;

      assert.equal(await latestFor(''), '1.0.0', 'no client id: full releases only');
      const clients = Array.from({ length: 40 }, (_, i) => `install-${i}`);
      const offered = await Promise.all(clients.map((id) => latestFor(`&client_id=${id}`)));
      const inAt50 = clients.filter((_, i) => offered[i] === '1.1.0');
      assert.ok(inAt50.length > 5 && inAt50.length < 35, `some but not all (${inAt50.length})`);
      assert.equal(await latestFor('', { 'x-client-id': inAt50[0]! }), '1.1.0', 'the header works too');

      await admin(app, 'PATCH', versionAdminUrl('trackly', 'stable', '1.1.0'), { rollout_percentage: 80 });
      for (const id of inAt50) assert.equal(await latestFor(`&client_id=${id}`), '1.1.0', 'still in at 80 %');

      await admin(app, 'PATCH', versionAdminUrl('trackly', 'stable', '1.1.0'), { rollout_percentage: 100 });
      await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '1.1.0')}/yank`,
        { reason: 'crash' },
        200,
      );
      const rollback = await app.inject({ url: check('trackly', '1.1.0'), headers: bearer(key) });
      assert.equal(rollback.statusCode, 200, rollback.body);
      assert.equal(rollback.json().update_available, true);
      assert.equal(rollback.json().rollback, true);
      assert.equal(rollback.json().latest_version, '1.0.0');
    });
  });
}
