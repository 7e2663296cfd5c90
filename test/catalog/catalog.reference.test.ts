/**
 * Every example response of the reference's Projects, Versions and Builds sections, reproduced from
 * data created through the admin API at the reference's times. Download counts are real: the test
 * downloads, and the expected numbers are computed from what it did.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import {
  addBuild,
  admin,
  assertMatchesReference,
  createProject,
  createVersion,
  publishedVersion,
  publishVersion,
  READER_PERMISSIONS,
  versionAdminUrl,
} from './catalog-fixtures.js';

const at = (iso: string) => Date.parse(iso);
const NOTES = '## Changes\n- Fixed dashboard loading issue\n- Improved query performance';
const WIN_X64 = {
  platform: 'windows',
  architecture: 'x64',
  file_name: 'trackly-1.2.5-win-x64.exe',
  file_size: 125829120,
  download_url: 'https://cdn.lunarbit.dev/trackly/1.2.5/trackly-1.2.5-win-x64.exe',
  checksum: {
    sha256: 'abc123def4560000000000000000000000000000000000000000000000000000',
    md5: 'def456abc1230000000000000000000f',
  },
};
const OLDER_VERSIONS = [
  ...['1.0.0', '1.0.1', '1.0.2', '1.0.3'],
  ...['1.1.0', '1.1.1', '1.1.2', '1.1.3', '1.1.4'],
  ...['1.2.0', '1.2.1', '1.2.2', '1.2.3', '1.2.4'],
];

for (const { backend, skip } of await databaseBackends()) {
  describe(`catalog: the reference examples [${backend}]`, { skip }, () => {
    it('projects, versions and builds answer field for field', async (t) => {
      const clock = createManualClock(at('2025-01-15T10:00:00Z'));
      const { app } = await buildTestApp(t, { backend, overrides: { clock } });
      await createProject(app, {
        id: 'trackly',
        name: 'Trackly',
        description: 'Business asset management system',
        repository: 'LunarBit-dev/Trackly',
      });
      clock.set(at('2025-02-01T09:00:00Z'));
      await createProject(app, { id: 'csviewer', name: 'CSViewer', repository: 'LunarBit-dev/CSViewer' });

      // Fourteen older stable releases, then 1.2.5 as the reference shows it: 15 in the channel.
      for (const version of OLDER_VERSIONS) {
        clock.advance(86_400_000);
        await publishedVersion(app, 'trackly', 'stable', version);
      }
      clock.set(at('2026-02-05T14:00:00Z'));
      await createVersion(app, 'trackly', 'stable', {
        version: 'v1.2.5',
        description: 'Bug fixes and performance improvements',
        release_notes: NOTES,
        breaking_changes: false,
      });
      clock.set(at('2026-02-05T14:30:00Z'));
      await addBuild(app, 'trackly', 'stable', '1.2.5', WIN_X64);
      await addBuild(app, 'trackly', 'stable', '1.2.5', { platform: 'macos', architecture: 'universal' });
      await publishVersion(app, 'trackly', 'stable', '1.2.5');

      // Downloads: 3 of the Windows build, 2 of the macOS build, 4 of 1.2.4's build.
      const downloadsDone = { 'windows-x64': 3, 'macos-universal': 2, older: 4 };
      const key = await createKey(app, { name: 'Trackly app', permissions: READER_PERMISSIONS });
      const headers = bearer(key);
      const download = async (version: string, build: string) => {
        const url = `/projects/trackly/channels/stable/versions/${version}/builds/${build}/download`;
        const response = await app.inject({ url, headers });
        assert.equal(response.statusCode, 302, response.body);
        return response;
      };
      for (let i = 0; i < downloadsDone['windows-x64']; i++) {
        const response = await download('1.2.5', 'windows-x64');
        assert.equal(response.headers.location, WIN_X64.download_url);
      }
      for (let i = 0; i < downloadsDone['macos-universal']; i++) await download('1.2.5', 'macos-universal');
      for (let i = 0; i < downloadsDone.older; i++) await download('1.2.4', 'windows-x64');
      await app.gateway.catalog.downloads.flush();
      const versionDownloads = downloadsDone['windows-x64'] + downloadsDone['macos-universal'];

      clock.set(at('2026-02-07T08:30:00Z'));
      await admin(app, 'PATCH', '/admin/projects/trackly', { homepage: 'https://trackly.lunarbit.dev' });

      // List All Projects — a key limited to trackly sees exactly the reference's one project.
      const tracklyKey = await createKey(app, {
        name: 'Trackly only',
        permissions: READER_PERMISSIONS,
        allowedProjects: ['trackly'],
      });
      const list = await app.inject({ url: '/projects', headers: bearer(tracklyKey) });
      assert.equal(list.statusCode, 200, list.body);
      assertMatchesReference(list.json(), {
        projects: [
          {
            id: 'trackly',
            name: 'Trackly',
            description: 'Business asset management system',
            repository: 'LunarBit-dev/Trackly',
            channels: ['stable', 'beta'],
            created_at: '2025-01-15T10:00:00Z',
            updated_at: '2026-02-07T08:30:00Z',
          },
        ],
        total: 1,
        page: 1,
        per_page: 20,
      });

      // Get Project Details (the reference's longer description).
      await admin(app, 'PATCH', '/admin/projects/trackly', {
        description: 'Business asset management system with license tracking',
      });
      const project = await app.inject({ url: '/projects/trackly', headers });
      assert.equal(project.statusCode, 200, project.body);
      assertMatchesReference(project.json(), {
        id: 'trackly',
        name: 'Trackly',
        description: 'Business asset management system with license tracking',
        repository: 'LunarBit-dev/Trackly',
        homepage: 'https://trackly.lunarbit.dev',
        channels: [
          { id: 'stable', name: 'Stable', description: 'Production-ready releases', auto_update: true },
          { id: 'beta', name: 'Beta', description: 'Preview releases for testing', auto_update: false },
        ],
        latest_version: '1.2.5',
        total_downloads: versionDownloads + downloadsDone.older,
        created_at: '2025-01-15T10:00:00Z',
        updated_at: '2026-02-07T08:30:00Z',
      });

      // List Project Versions.
      const versions = await app.inject({ url: '/projects/trackly/channels/stable/versions', headers });
      assert.equal(versions.statusCode, 200, versions.body);
      const versionsBody = versions.json() as { versions: unknown[] };
      assertMatchesReference(
        { ...versionsBody, versions: versionsBody.versions.slice(0, 1) },
        {
          versions: [
            {
              id: '1.2.5',
              name: 'v1.2.5',
              description: 'Bug fixes and performance improvements',
              release_notes: NOTES,
              breaking_changes: false,
              published_at: '2026-02-05T14:30:00Z',
              downloads: versionDownloads,
              build_count: 2,
            },
          ],
          total: 15,
          page: 1,
          per_page: 20,
        },
      );
      assert.equal(versionsBody.versions.length, 15);

      // Get Version Details (the reference's notes carry one more line) and the channel's latest.
      await admin(app, 'PATCH', versionAdminUrl('trackly', 'stable', '1.2.5'), {
        release_notes: `${NOTES}\n- Updated dependencies`,
      });
      const expectedDetails = {
        id: '1.2.5',
        name: 'v1.2.5',
        description: 'Bug fixes and performance improvements',
        release_notes: `${NOTES}\n- Updated dependencies`,
        breaking_changes: false,
        published_at: '2026-02-05T14:30:00Z',
        downloads: versionDownloads,
      };
      const expectedWindowsBuild = {
        id: 'windows-x64',
        platform: 'windows',
        architecture: 'x64',
        file_size: 125829120,
        download_url: WIN_X64.download_url,
        checksum: WIN_X64.checksum,
      };
      for (const url of [
        '/projects/trackly/channels/stable/versions/1.2.5',
        '/projects/trackly/channels/stable/latest',
      ]) {
        const details = await app.inject({ url, headers });
        assert.equal(details.statusCode, 200, details.body);
        assertMatchesReference(details.json(), expectedDetails);
        assert.equal(details.json().builds.length, 2, 'both builds, as build_count said');
        assertMatchesReference(details.json().builds[0], expectedWindowsBuild);
      }

      // Get Build Information.
      const build = await app.inject({
        url: '/projects/trackly/channels/stable/versions/1.2.5/builds/windows-x64',
        headers,
      });
      assert.equal(build.statusCode, 200, build.body);
      assertMatchesReference(build.json(), {
        id: 'windows-x64',
        version: '1.2.5',
        platform: 'windows',
        architecture: 'x64',
        file_name: 'trackly-1.2.5-win-x64.exe',
        file_size: 125829120,
        download_url: WIN_X64.download_url,
        checksum: WIN_X64.checksum,
        created_at: '2026-02-05T14:30:00Z',
        downloads: downloadsDone['windows-x64'],
      });
      // The reference shows `verified`; verification of external builds arrives with the verifier,
      // until then a new build is honestly `pending`.
      assert.equal(build.json().status, 'pending');
    });
  });
}
