import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`audit log filters [${backend}]`, { skip }, () => {
    it('filters by actor, action, project and time', async (t) => {
      const clock = createManualClock(Date.UTC(2026, 1, 7, 12, 0));
      const { app } = await buildTestApp(t, { backend, overrides: { clock } });
      const manager = await createKey(app, { name: 'manager', permissions: { canManageProjects: true } });
      clock.set(Date.UTC(2026, 1, 7, 13, 0));
      for (const id of ['trackly', 'track']) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/projects',
          headers: bearer(manager),
          payload: { id, name: id },
        });
        assert.equal(response.statusCode, 201, response.body);
      }
      clock.set(Date.UTC(2026, 1, 7, 14, 0));
      await app.inject({
        method: 'POST',
        url: '/admin/projects/trackly/channels/stable/versions',
        headers: adminAuth,
        payload: { version: '1.0.0' },
      });
      const actions = async (query: string) => {
        const response = await app.inject({ url: `/admin/audit?${query}`, headers: adminAuth });
        assert.equal(response.statusCode, 200, response.body);
        return response
          .json()
          .entries.map((e: { action: string; target_id: string }) => `${e.action} ${e.target_id}`);
      };
      assert.deepEqual(await actions('actor=manager'), ['project.created track', 'project.created trackly']);
      assert.deepEqual(await actions('project=trackly'), [
        'version.created trackly/stable/1.0.0',
        'project.created trackly',
      ]);
      assert.deepEqual(await actions('project=track'), ['project.created track']);
      const created = await actions('action=key.created');
      assert.equal(created.length, 1);
      assert.match(created[0]!, /^key\.created key_[0-9a-f]{16}$/);
      assert.deepEqual(await actions('from=2026-02-07T12:30:00Z&to=2026-02-07T14:00:00Z'), [
        'project.created track',
        'project.created trackly',
      ]);
      const bad = await app.inject({ url: '/admin/audit?project=Not%20A%20Slug', headers: adminAuth });
      assert.equal(bad.statusCode, 400);
    });
  });
}
