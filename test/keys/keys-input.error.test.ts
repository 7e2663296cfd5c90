import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

type Fields = { fields: { field: string; message: string }[] };

function fieldMessage(error: Record<string, unknown>, field: string): string {
  const found = (error.details as Fields).fields.find((entry) => entry.field === field);
  assert.ok(found, `no problem reported for ${field}: ${JSON.stringify(error.details)}`);
  return found.message;
}

async function listKeys(app: FastifyInstance, query = '') {
  const response = await app.inject({ url: `/admin/keys${query}`, headers: adminAuth });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { keys: { name: string; expiresAt: string | null; status: string }[] };
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`API keys: bounded durations, plain names, JSON as sent [${backend}]`, { skip }, () => {
    it('refuses a lifetime past year 9999 with a 400 naming the field and the bound, storing nothing', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const expiresIn of ['200000y', '300000y', '999999y', '999999w']) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/keys',
          headers: adminAuth,
          payload: { name: 'forever', expiresIn },
        });
        const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
        assert.match(fieldMessage(error, 'expiresIn'), /9999/);
        assert.match(String(error.message), /expiresIn.*9999/);
      }
      assert.deepEqual((await listKeys(app, '?include_revoked=true')).keys, []);
      // The longest duration that still ends in time is accepted.
      await createKey(app, { name: 'long', expiresIn: '7000y' });
    });

    it('refuses PATCH expiresIn and a rotation grace period past year 9999, changing nothing', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const key = await createKey(app, {
        name: 'k',
        expiresIn: '90d',
        permissions: { canReadProjects: true },
      });
      const before = (await listKeys(app)).keys[0];
      const patch = await app.inject({
        method: 'PATCH',
        url: '/admin/keys/k',
        headers: adminAuth,
        payload: { expiresIn: '999999y' },
      });
      assert.match(fieldMessage(assertErrorEnvelope(patch, 400, 'INVALID_REQUEST'), 'expiresIn'), /9999/);
      const rotate = await app.inject({
        method: 'POST',
        url: '/admin/keys/k/rotate',
        headers: adminAuth,
        payload: { gracePeriod: '999999y' },
      });
      assert.match(fieldMessage(assertErrorEnvelope(rotate, 400, 'INVALID_REQUEST'), 'gracePeriod'), /9999/);
      assert.deepEqual((await listKeys(app)).keys[0], before);
      // Not rotated: the secret still works.
      assert.equal((await app.inject({ url: '/projects', headers: bearer(key) })).statusCode, 200);
    });

    it('lists a key stored with an expiry past year 9999 (as older gateways allowed) instead of failing', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'ancient' });
      await app.gateway.database.db
        .updateTable('api_keys')
        .set({ expires_at: '+201894-01-22T10:00:00.000Z' })
        .where('name', '=', 'ancient')
        .execute();
      for (const query of ['', '?include_revoked=true']) {
        const [shown] = (await listKeys(app, query)).keys;
        assert.equal(shown?.expiresAt, '9999-12-31T23:59:59Z');
        assert.equal(shown?.status, 'active');
      }
      const one = await app.inject({ url: '/admin/keys/ancient', headers: adminAuth });
      assert.equal(one.statusCode, 200, one.body);
      const revoked = await app.inject({ method: 'DELETE', url: '/admin/keys/ancient', headers: adminAuth });
      assert.equal(revoked.statusCode, 204);
      assert.equal((await listKeys(app, '?include_revoked=true')).keys[0]?.status, 'revoked');
    });

    it('refuses key names with control characters', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const name of ['k\u0001x', '\u001b[31mred\u001b[0m', 'nul\u0000', 'del\u007f', 'line\nbreak']) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/keys',
          headers: adminAuth,
          payload: { name },
        });
        const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
        assert.ok(
          (error.details as Fields).fields.some((entry) => entry.field === 'name'),
          response.body,
        );
      }
      assert.deepEqual((await listKeys(app, '?include_revoked=true')).keys, []);
    });

    it('takes JSON types as sent: no coercion, and null is named as not allowed', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ name: 123 }, 'name', /must be string/],
        [{ name: ['n'] }, 'name', /must be string/],
        [{ name: null }, 'name', /null is not allowed/],
        [{ name: 'x', rateLimit: '100' }, 'rateLimit', /must be integer/],
        [{ name: 'x', permissions: { canUseAI: 'true' } }, 'permissions.canUseAI', /must be boolean/],
        [{ name: 'x', tags: 'one' }, 'tags', /must be array/],
      ];
      for (const [payload, field, message] of cases) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/keys',
          headers: adminAuth,
          payload,
        });
        const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
        assert.match(fieldMessage(error, field), message, JSON.stringify(payload));
      }
      assert.deepEqual((await listKeys(app, '?include_revoked=true')).keys, []);
    });
  });
}
