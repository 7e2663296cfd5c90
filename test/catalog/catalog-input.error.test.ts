import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { checksumsOf, createProject, createVersion, versionAdminUrl } from './catalog-fixtures.js';

type Fields = { fields: { field: string; message: string }[] };

/** Sends a body that must be refused with a 400 naming `field`; returns the message for it. */
async function refused(
  app: FastifyInstance,
  method: 'POST' | 'PATCH',
  url: string,
  payload: Record<string, unknown>,
  field: string,
): Promise<string> {
  const response = await app.inject({ method, url, headers: adminAuth, payload });
  const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
  const found = (error.details as Fields).fields.find((entry) => entry.field === field);
  assert.ok(found, `${JSON.stringify(payload)}: ${response.body}`);
  return found.message;
}

const build = {
  platform: 'windows',
  architecture: 'x64',
  file_name: 'app.exe',
  file_size: 1000,
  download_url: 'https://cdn.example.com/app.exe',
  checksum: checksumsOf('app.exe'),
};

for (const { backend, skip } of await databaseBackends()) {
  describe(`catalog: text and numbers a database cannot hold are 400 [${backend}]`, { skip }, () => {
    it('refuses NUL and control characters in every text field, storing nothing', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const name of ['Track\u0000ly', 'Track\u001b[2Jly', 'Track\u0085ly']) {
        const message = await refused(app, 'POST', '/admin/projects', { id: 'trackly', name }, 'name');
        assert.match(message, /control characters/);
      }
      assert.equal((await app.inject({ url: '/projects', headers: adminAuth })).json().total, 0);

      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await refused(app, 'PATCH', '/admin/projects/trackly', { description: 'a\u0000b' }, 'description');
      const versions = '/admin/projects/trackly/channels/stable/versions';
      await refused(
        app,
        'POST',
        versions,
        { version: '1.0.0', release_notes: 'Fixed\u0000' },
        'release_notes',
      );
      await refused(app, 'POST', versions, { version: '1.0.0', name: 'v1\u0007' }, 'name');
      await createVersion(app, 'trackly', 'stable', { version: '1.0.0' });
      const builds = `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds`;
      await refused(app, 'POST', builds, { ...build, file_name: 'app\u0000.exe' }, 'file_name');

      const project = (await app.inject({ url: '/projects/trackly', headers: adminAuth })).json();
      assert.equal(project.description, '');
      const version = await app.inject({
        url: versionAdminUrl('trackly', 'stable', '1.0.0'),
        headers: adminAuth,
      });
      assert.deepEqual(version.json().builds, []);
      assert.equal(version.json().release_notes, '');
    });

    it('keeps tabs and line breaks in text', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      const notes = '## Fixed\r\n\t- a crash\n- another';
      await createVersion(app, 'trackly', 'stable', { version: '1.0.0', release_notes: notes });
      const version = await app.inject({
        url: versionAdminUrl('trackly', 'stable', '1.0.0'),
        headers: adminAuth,
      });
      assert.equal(version.json().release_notes, notes);
    });

    it('refuses sizes no column holds and numbers or booleans sent as strings, storing nothing', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await createVersion(app, 'trackly', 'stable', { version: '1.0.0' });
      const builds = `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds`;
      for (const file_size of [1e20, 1e308, Number.MAX_SAFE_INTEGER + 1]) {
        assert.match(await refused(app, 'POST', builds, { ...build, file_size }, 'file_size'), /<=/);
      }
      assert.match(
        await refused(app, 'POST', builds, { ...build, file_size: '100' }, 'file_size'),
        /integer/,
      );
      const version = await app.inject({
        url: versionAdminUrl('trackly', 'stable', '1.0.0'),
        headers: adminAuth,
      });
      assert.deepEqual(version.json().builds, []);

      const pf = await refused(
        app,
        'POST',
        '/admin/projects',
        { id: 'other', name: 'O', public_feeds: 'true' },
        'public_feeds',
      );
      assert.match(pf, /boolean/);
      await refused(app, 'PATCH', '/admin/projects/trackly', { public_feeds: 'true' }, 'public_feeds');
      const stored = await app.gateway.database.db
        .selectFrom('projects')
        .select('public_feeds')
        .where('id', '=', 'trackly')
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.public_feeds), 0);
      assert.equal((await app.inject({ url: '/projects', headers: adminAuth })).json().total, 1);

      // The largest size both databases hold exactly is accepted and comes back unchanged.
      const biggest = await app.inject({
        method: 'POST',
        url: builds,
        headers: adminAuth,
        payload: { ...build, file_size: Number.MAX_SAFE_INTEGER },
      });
      assert.equal(biggest.statusCode, 201, biggest.body);
      assert.equal(biggest.json().file_size, Number.MAX_SAFE_INTEGER);
    });
  });
}
