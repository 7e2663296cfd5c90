import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import {
  addBuild,
  admin,
  createProject,
  createVersion,
  publishedVersion,
  versionAdminUrl,
} from './catalog-fixtures.js';

async function setup(t: Parameters<typeof buildTestApp>[0], backend: 'sqlite' | 'postgres') {
  const clock = createManualClock();
  const testApp = await buildTestApp(t, { backend, overrides: { clock } });
  await createProject(testApp.app, { id: 'trackly', name: 'Trackly' });
  clock.advance(1_000);
  await createProject(testApp.app, { id: 'csviewer', name: 'CSViewer' });
  await publishedVersion(testApp.app, 'trackly', 'stable', '1.0.0');
  return testApp;
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`catalog errors [${backend}]`, { skip }, () => {
    it('each missing level has its own 404 code and details', async (t) => {
      const { app } = await setup(t, backend);
      const get = (url: string) => app.inject({ url, headers: adminAuth });
      const project = assertErrorEnvelope(await get('/projects/nonexistent'), 404, 'PROJECT_NOT_FOUND');
      assert.equal(project.message, "Project 'nonexistent' not found");
      assert.deepEqual(project.details, {
        project: 'nonexistent',
        available_projects: ['trackly', 'csviewer'],
      });
      const channel = assertErrorEnvelope(
        await get('/projects/trackly/channels/nightly/versions'),
        404,
        'CHANNEL_NOT_FOUND',
      );
      assert.deepEqual((channel.details as { available_channels: string[] }).available_channels, [
        'stable',
        'beta',
      ]);
      assertErrorEnvelope(await get('/projects/trackly/channels/nightly/latest'), 404, 'CHANNEL_NOT_FOUND');
      assertErrorEnvelope(
        await get('/projects/trackly/channels/stable/versions/9.9.9'),
        404,
        'VERSION_NOT_FOUND',
      );
      assertErrorEnvelope(
        await get('/projects/trackly/channels/stable/versions/not-semver'),
        404,
        'VERSION_NOT_FOUND',
      );
      assertErrorEnvelope(await get('/projects/csviewer/channels/stable/latest'), 404, 'VERSION_NOT_FOUND');
      const build = assertErrorEnvelope(
        await get('/projects/trackly/channels/stable/versions/1.0.0/builds/linux-arm64'),
        404,
        'BUILD_NOT_FOUND',
      );
      assert.deepEqual((build.details as { available_builds: string[] }).available_builds, ['windows-x64']);
      assertErrorEnvelope(
        await get('/projects/trackly/channels/stable/versions/1.0.0/builds/linux-arm64/download'),
        404,
        'BUILD_NOT_FOUND',
      );
      // The admin API reports missing levels the same way.
      assertErrorEnvelope(
        await app.inject({
          method: 'PATCH',
          url: versionAdminUrl('trackly', 'beta', '1.0.0'),
          headers: adminAuth,
          payload: { name: 'x' },
        }),
        404,
        'VERSION_NOT_FOUND',
      );
      assertErrorEnvelope(
        await app.inject({ method: 'DELETE', url: '/admin/projects/nope', headers: adminAuth }),
        404,
        'PROJECT_NOT_FOUND',
      );
    });

    it('rejects bad pagination: per_page 0 or 101, page 0, unknown sort or parameter', async (t) => {
      const { app } = await setup(t, backend);
      const base = '/projects/trackly/channels/stable/versions';
      for (const query of [
        'per_page=0',
        'per_page=101',
        'page=0',
        'page=-1',
        'sort=newest',
        'per_page=ten',
        'x=1',
      ]) {
        const error = assertErrorEnvelope(
          await app.inject({ url: `${base}?${query}`, headers: adminAuth }),
          400,
          'INVALID_REQUEST',
        );
        assert.equal((error.details as { location: string }).location, 'querystring', query);
      }
      assertErrorEnvelope(
        await app.inject({ url: '/projects?per_page=101', headers: adminAuth }),
        400,
        'INVALID_REQUEST',
      );
    });

    it('refuses duplicates with 409: project, channel, version (v prefix or not), build', async (t) => {
      const { app } = await setup(t, backend);
      await admin(app, 'POST', '/admin/projects', { id: 'trackly', name: 'Again' }, 409);
      await admin(app, 'POST', '/admin/projects/trackly/channels', { id: 'beta' }, 409);
      await admin(
        app,
        'POST',
        '/admin/projects/trackly/channels/stable/versions',
        { version: 'v1.0.0' },
        409,
      );
      const build = await admin(
        app,
        'POST',
        `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds`,
        {
          platform: 'windows',
          architecture: 'x64',
          file_name: 'other.exe',
          file_size: 1,
          download_url: 'https://cdn.example.com/other.exe',
          checksum: { sha256: 'b'.repeat(64) },
        },
        409,
      );
      assert.equal(build.error.code, 'CONFLICT');
      // The same version in another channel is a different version.
      await createVersion(app, 'trackly', 'beta', { version: '1.0.0' });
    });

    it('validates input: semver, slugs, checksums, URLs, includes, unknown fields', async (t) => {
      const { app } = await setup(t, backend);
      const invalid = async (
        url: string,
        payload: Record<string, unknown>,
        method: 'POST' | 'PATCH' = 'POST',
      ) =>
        assertErrorEnvelope(
          await app.inject({ method, url, headers: adminAuth, payload }),
          400,
          'INVALID_REQUEST',
        );
      const versions = '/admin/projects/trackly/channels/stable/versions';
      const versionError = await invalid(versions, { version: '1.2' });
      assert.equal((versionError.details as { field: string }).field, 'version');
      await invalid(versions, { version: '1.2.3+build.1' });
      await invalid(versions, { version: '2.0.0', min_supported_version: 'old' });
      await invalid(versions, { version: '2.0.0', rollout_percentage: 101 });
      await invalid(versions, { version: '2.0.0', status: 'yanked' });
      await invalid(versions, { version: '2.0.0', unknown: true });
      await invalid('/admin/projects', { id: 'Bad Id', name: 'x' });
      await invalid('/admin/projects', { id: 'ok', name: 'x', homepage: 'ftp://example.com' });
      await invalid('/admin/projects', { id: 'ok', name: 'x', channels: [{ id: 'a' }, { id: 'a' }] });
      await invalid('/admin/projects/trackly/channels', { id: 'dev', includes: ['nightly'] });
      await invalid('/admin/projects/trackly/channels/stable', { includes: ['beta'] }, 'PATCH');
      await invalid('/admin/projects/trackly', {}, 'PATCH');
      const builds = `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds`;
      const good = {
        platform: 'linux',
        architecture: 'x64',
        file_name: 'a.AppImage',
        file_size: 1,
        download_url: 'https://cdn.example.com/a.AppImage',
        checksum: { sha256: 'c'.repeat(64) },
      };
      await invalid(builds, { ...good, checksum: { sha256: 'abc123...' } });
      await invalid(builds, { ...good, checksum: { sha256: 'c'.repeat(64), md5: 'short' } });
      await invalid(builds, { ...good, platform: 'android' });
      await invalid(builds, { ...good, download_url: 'javascript:alert(1)' });
      await invalid(builds, { ...good, file_name: '../etc/passwd' });
      await invalid(builds, { ...good, file_size: -1 });
    });

    it('refuses state changes that make no sense', async (t) => {
      const { app } = await setup(t, backend);
      const stable = (action: string) => `${versionAdminUrl('trackly', 'stable', '1.0.0')}/${action}`;
      await admin(app, 'POST', stable('publish'), undefined, 409);
      await createVersion(app, 'trackly', 'stable', { version: '1.1.0' });
      await admin(app, 'POST', `${versionAdminUrl('trackly', 'stable', '1.1.0')}/yank`, { reason: 'x' }, 409);
      await admin(app, 'POST', stable('yank'), {}, 400);
      await admin(app, 'POST', stable('promote'), { to_channel: 'stable' }, 400);
      const missing = await admin(app, 'POST', stable('promote'), { to_channel: 'nightly' }, 404);
      assert.equal(missing.error.code, 'CHANNEL_NOT_FOUND');
      await admin(app, 'POST', stable('promote'), { to_channel: 'beta' });
      await admin(app, 'POST', stable('promote'), { to_channel: 'beta' }, 409);
      await admin(app, 'POST', stable('yank'), { reason: 'broken' }, 200);
      await admin(app, 'POST', stable('yank'), { reason: 'again' }, 409);
      await createVersion(app, 'csviewer', 'stable', { version: '3.0.0', status: 'published' });
      await admin(
        app,
        'POST',
        `${versionAdminUrl('csviewer', 'stable', '3.0.0')}/yank`,
        { reason: 'r' },
        200,
      );
      await admin(
        app,
        'POST',
        `${versionAdminUrl('csviewer', 'stable', '3.0.0')}/promote`,
        { to_channel: 'beta' },
        409,
      );
      await addBuild(app, 'trackly', 'stable', '1.1.0', { platform: 'linux', architecture: 'x64' });
      await admin(
        app,
        'DELETE',
        `${versionAdminUrl('trackly', 'stable', '1.1.0')}/builds/nope`,
        undefined,
        404,
      );
      const channel = await admin(app, 'DELETE', '/admin/projects/trackly/channels/beta', undefined, 409);
      assert.equal(channel.error.details.published_versions, 1, 'the promoted copy is published in beta');
    });
  });
}
