/**
 * The reference's Updates examples — both forms of `GET …/update` and the launcher check —
 * reproduced field for field from data created through the admin API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import {
  addBuild,
  assertMatchesReference,
  createProject,
  createVersion,
  publishedVersion,
  publishVersion,
} from '../catalog/catalog-fixtures.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { buildUpdatesTestApp } from './updates-test-app.js';

const at = (iso: string) => Date.parse(iso);
const NOTES = '## Changes\n- Fixed dashboard loading\n- Performance improvements';
const CHECKSUM = {
  sha256: 'abc1230000000000000000000000000000000000000000000000000000000000',
  md5: 'def45600000000000000000000000000',
};
const WIN_X64 = {
  platform: 'windows',
  architecture: 'x64',
  file_name: 'trackly-1.2.5-win-x64.exe',
  file_size: 125829120,
  download_url: 'https://cdn.lunarbit.dev/trackly/1.2.5/trackly-1.2.5-win-x64.exe',
  checksum: CHECKSUM,
};

for (const { backend, skip } of await databaseBackends()) {
  describe(`updates: the reference examples [${backend}]`, { skip }, () => {
    it('check for updates, launcher update check', async (t) => {
      const clock = createManualClock(at('2025-01-15T10:00:00Z'));
      const { app } = await buildUpdatesTestApp(t, { backend, overrides: { clock } });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await createProject(app, { id: 'csviewer', name: 'CSViewer' });
      await createProject(app, { id: 'launcher', name: 'LunarBit Launcher' });
      await publishedVersion(app, 'launcher', 'stable', '2.1.0');
      for (const version of ['1.0.0', '1.1.0', '1.2.3', '1.2.4']) {
        await publishedVersion(app, 'trackly', 'stable', version, { breaking_changes: version === '1.1.0' });
      }
      await publishedVersion(app, 'csviewer', 'stable', '2.3.0');
      await publishedVersion(app, 'csviewer', 'beta', '2.3.1');

      clock.set(at('2026-02-05T14:00:00Z'));
      await createVersion(app, 'trackly', 'stable', { version: '1.2.5', release_notes: NOTES });
      await addBuild(app, 'trackly', 'stable', '1.2.5', WIN_X64);
      clock.set(at('2026-02-05T14:30:00Z'));
      await publishVersion(app, 'trackly', 'stable', '1.2.5');

      const key = await createKey(app, { name: 'Launcher', permissions: { canCheckUpdates: true } });
      const headers = bearer(key);
      const check = (current: string) =>
        app.inject({
          url: `/projects/trackly/channels/stable/update?current_version=${current}&platform=windows&architecture=x64`,
          headers,
        });

      const available = await check('1.2.3');
      assert.equal(available.statusCode, 200, available.body);
      assertMatchesReference(available.json(), {
        update_available: true,
        current_version: '1.2.3',
        latest_version: '1.2.5',
        breaking_changes: false,
        release_notes: NOTES,
        download_url: 'https://cdn.lunarbit.dev/trackly/1.2.5/trackly-1.2.5-win-x64.exe',
        file_size: 125829120,
        checksum: CHECKSUM,
        published_at: '2026-02-05T14:30:00Z',
      });
      assert.equal(available.json().mandatory, false);
      assert.deepEqual(available.json().rollout, { percentage: 100 });
      assert.equal('rollback' in available.json(), false);

      const latest = await check('1.2.5');
      assert.equal(latest.statusCode, 200, latest.body);
      assert.deepEqual(latest.json(), {
        update_available: false,
        current_version: '1.2.5',
        latest_version: '1.2.5',
        message: 'You are running the latest version',
      });
      // Served again from the memo: byte for byte the same answer.
      assert.equal((await check('1.2.5')).body, latest.body);

      const launcher = await app.inject({
        method: 'POST',
        url: '/update/check',
        headers,
        payload: {
          client: { launcher_version: '2.1.0', os: 'windows', os_version: '10.0.19045', architecture: 'x64' },
          installed: [
            { project_id: 'trackly', version: '1.0.0', channel: 'stable' },
            { project_id: 'csviewer', version: '2.3.1', channel: 'beta' },
          ],
        },
      });
      assert.equal(launcher.statusCode, 200, launcher.body);
      assertMatchesReference(launcher.json(), {
        updates_available: true,
        launcher_update: { available: false, current: '2.1.0', latest: '2.1.0' },
        project_updates: [
          {
            project_id: 'trackly',
            update_available: true,
            current_version: '1.0.0',
            latest_version: '1.2.5',
            breaking_changes: true,
            download_url: 'https://cdn.lunarbit.dev/trackly/1.2.5/trackly-1.2.5-win-x64.exe',
          },
          {
            project_id: 'csviewer',
            update_available: false,
            current_version: '2.3.1',
            latest_version: '2.3.1',
          },
        ],
      });
    });
  });
}
