import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`API keys: bad input gets a clear error and changes nothing [${backend}]`, { skip }, () => {
    it('rejects invalid creation bodies field by field', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'name'],
        [{ name: '' }, 'name'],
        [{ name: 'x', permissions: { canFly: true } }, 'permissions.canFly'],
        [{ name: 'x', permissions: { canUseAI: 'yes' } }, 'permissions.canUseAI'],
        [{ name: 'x', rateLimit: 0 }, 'rateLimit'],
        [{ name: 'x', expiresIn: '90 days' }, 'expiresIn'],
        [{ name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
        [{ name: 'x', allowedProjects: ['Not A Slug'] }, 'allowedProjects.0'],
        [{ name: 'x', rate_limit: 5 }, 'rate_limit'],
      ];
      for (const [payload, field] of cases) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/keys',
          headers: adminAuth,
          payload,
        });
        const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
        const fields = (error.details as { fields: { field: string }[] }).fields.map((f) => f.field);
        assert.ok(fields.includes(field), `${JSON.stringify(payload)} → ${fields.join(',')}`);
      }
      assert.equal((await app.inject({ url: '/admin/keys', headers: adminAuth })).json().total, 0);
    });

    it('rejects both expiresIn and expiresAt, a past expiresAt, and the reserved name', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const payload of [
        { name: 'x', expiresIn: '1d', expiresAt: '2099-01-01T00:00:00Z' },
        { name: 'x', expiresAt: '2001-01-01T00:00:00Z' },
        { name: 'Admin' },
      ]) {
        const response = await app.inject({
          method: 'POST',
          url: '/admin/keys',
          headers: adminAuth,
          payload,
        });
        assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      }
    });

    it('refuses a second live key with the same name in any case, but reuses a revoked name', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'Mobile' });
      const duplicate = await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: adminAuth,
        payload: { name: 'MOBILE' },
      });
      assertErrorEnvelope(duplicate, 409, 'CONFLICT');
      assert.equal((await app.inject({ url: '/admin/keys', headers: adminAuth })).json().total, 1);
      await app.inject({ method: 'DELETE', url: '/admin/keys/mobile', headers: adminAuth });
      await createKey(app, { name: 'mobile' });
    });

    it('answers KEY_NOT_FOUND for unknown and already revoked keys', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'once' });
      assert.equal(
        (await app.inject({ method: 'DELETE', url: '/admin/keys/once', headers: adminAuth })).statusCode,
        204,
      );
      for (const request of [
        { method: 'DELETE' as const, url: '/admin/keys/once' },
        { method: 'GET' as const, url: '/admin/keys/nobody' },
        { method: 'PATCH' as const, url: '/admin/keys/nobody', payload: { description: 'x' } },
        { method: 'POST' as const, url: '/admin/keys/nobody/rotate' },
      ]) {
        assertErrorEnvelope(await app.inject({ ...request, headers: adminAuth }), 404, 'KEY_NOT_FOUND');
      }
    });

    it('rejects an empty PATCH and an invalid grace period', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'k' });
      assertErrorEnvelope(
        await app.inject({ method: 'PATCH', url: '/admin/keys/k', headers: adminAuth, payload: {} }),
        400,
        'INVALID_REQUEST',
      );
      assertErrorEnvelope(
        await app.inject({
          method: 'POST',
          url: '/admin/keys/k/rotate',
          headers: adminAuth,
          payload: { gracePeriod: 'forever' },
        }),
        400,
        'INVALID_REQUEST',
      );
    });

    it('rejects bad audit paging', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      assertErrorEnvelope(
        await app.inject({ url: '/admin/audit?per_page=101', headers: adminAuth }),
        400,
        'INVALID_REQUEST',
      );
      assertErrorEnvelope(
        await app.inject({ url: '/admin/audit?page=0', headers: adminAuth }),
        400,
        'INVALID_REQUEST',
      );
    });
  });
}
