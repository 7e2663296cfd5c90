import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`API keys: the reference flow [${backend}]`, { skip }, () => {
    it('create → use → 403 → list masked → stats → revoke → 401', async (t) => {
      const { app } = await buildTestApp(t, { backend, overrides: { extraRoutes: permissionProbeRoutes } });
      const created = await app.inject({
        method: 'POST',
        url: '/api/v2/admin/keys',
        headers: adminAuth,
        payload: {
          name: 'My App Key',
          description: 'API key for my application',
          permissions: { canReadProjects: true, canReadVersions: true, canCheckUpdates: true },
          rateLimit: 1000,
          expiresIn: '90d',
          allowedProjects: ['trackly'],
          tags: ['mobile-app', 'production'],
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const body = created.json();
      assert.equal(body.message, 'API key created successfully');
      assert.match(body.key, /^lbapi_[0-9a-f]{32}[0-9A-Za-z]{6}$/);
      assert.equal(body.name, 'My App Key');
      assert.equal(body.permissions.canReadProjects, true);
      assert.equal(body.permissions.canUseAI, false);
      assert.equal(body.warning, 'Save this key now - it will not be shown again!');
      assert.match(body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const ninetyDays = Date.parse(body.expiresAt) - Date.parse(body.createdAt);
      assert.equal(ninetyDays, 90 * 86_400_000);
      assert.deepEqual(body.allowedProjects, ['trackly']);
      assert.deepEqual(body.tags, ['mobile-app', 'production']);

      const allowed = await app.inject({ url: '/test/read-projects', headers: bearer(body.key) });
      assert.equal(allowed.statusCode, 200);
      assert.equal(allowed.json().caller, 'My App Key');
      const viaHeader = await app.inject({ url: '/test/read-projects', headers: { 'x-api-key': body.key } });
      assert.equal(viaHeader.statusCode, 200);
      const forbidden = await app.inject({ url: '/test/use-ai', headers: bearer(body.key) });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().error.code, 'FORBIDDEN');
      assert.equal(forbidden.json().error.details.permission, 'canUseAI');

      const list = await app.inject({ url: '/admin/keys', headers: adminAuth });
      assert.equal(list.statusCode, 200);
      const [listed] = list.json().keys;
      assert.equal(list.json().total, 1);
      assert.equal(listed.key, `${body.key.slice(0, 14)}…`);
      assert.equal(listed.status, 'active');
      assert.equal(listed.createdBy, 'admin');
      assert.ok(listed.lastUsedAt, 'last use is recorded');

      const stats = await app.inject({ url: '/admin/keys/stats', headers: adminAuth });
      assert.equal(stats.statusCode, 200);
      const keyStats = stats.json().keys.find((k: { name: string }) => k.name === 'My App Key');
      assert.equal(keyStats.totals.requests, 3, 'two allowed requests and one 403');
      assert.equal(keyStats.totals.errors, 1);
      assert.equal(keyStats.daily.length, 1);
      assert.equal(keyStats.daily[0].requests, 3);
      assert.equal(stats.json().totals.requests, 3);

      const revoked = await app.inject({
        method: 'DELETE',
        url: '/admin/keys/my%20app%20key',
        headers: adminAuth,
      });
      assert.equal(revoked.statusCode, 204);
      const after = await app.inject({ url: '/test/read-projects', headers: bearer(body.key) });
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().error.code, 'UNAUTHORIZED');
      assert.equal((await app.inject({ url: '/admin/keys', headers: adminAuth })).json().total, 0);
      const withRevoked = await app.inject({ url: '/admin/keys?include_revoked=true', headers: adminAuth });
      assert.equal(withRevoked.json().keys[0].status, 'revoked');
    });

    it('shows, updates and rotates a key with a grace period, and audits each write', async (t) => {
      const { app, config } = await buildTestApp(t, {
        backend,
        overrides: { extraRoutes: permissionProbeRoutes },
      });
      const clock = app.gateway.clock;
      const key = await createKey(app, { name: 'Launcher', permissions: { canReadProjects: true } });

      const shown = await app.inject({ url: '/admin/keys/launcher', headers: adminAuth });
      assert.equal(shown.json().name, 'Launcher');

      const patched = await app.inject({
        method: 'PATCH',
        url: '/admin/keys/Launcher',
        headers: adminAuth,
        payload: { permissions: { canUseAI: true }, tags: ['desktop'], rateLimit: 50 },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().permissions.canUseAI, true);
      assert.equal(
        patched.json().permissions.canReadProjects,
        true,
        'a partial permission patch keeps the others',
      );
      assert.equal(patched.json().rateLimit, 50);
      assert.equal((await app.inject({ url: '/test/use-ai', headers: bearer(key) })).statusCode, 200);

      const rotated = await app.inject({
        method: 'POST',
        url: '/admin/keys/Launcher/rotate',
        headers: adminAuth,
        payload: { gracePeriod: '1h' },
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const newKey = rotated.json().key as string;
      assert.notEqual(newKey, key);
      assert.equal(Date.parse(rotated.json().previousKeyValidUntil) - clock.now() <= 3_600_000, true);
      assert.equal(
        (await app.inject({ url: '/test/read-projects', headers: bearer(newKey) })).statusCode,
        200,
      );
      assert.equal((await app.inject({ url: '/test/read-projects', headers: bearer(key) })).statusCode, 200);

      const rotatedNow = await app.inject({
        method: 'POST',
        url: '/admin/keys/Launcher/rotate',
        headers: adminAuth,
      });
      assert.equal(rotatedNow.statusCode, 200);
      assert.equal(rotatedNow.json().previousKeyValidUntil, null);
      assert.equal(
        (await app.inject({ url: '/test/read-projects', headers: bearer(newKey) })).statusCode,
        401,
      );
      assert.equal((await app.inject({ url: '/test/read-projects', headers: bearer(key) })).statusCode, 401);

      const audit = await app.inject({ url: '/admin/audit?per_page=10', headers: adminAuth });
      assert.equal(audit.statusCode, 200);
      const actions = audit.json().entries.map((e: { action: string }) => e.action);
      assert.deepEqual(actions, ['key.rotated', 'key.rotated', 'key.updated', 'key.created']);
      assert.equal(audit.json().entries[3].actor, 'admin');
      assert.ok(!audit.body.includes(key) && !audit.body.includes(newKey), 'the audit never holds a secret');
      assert.equal(config.nodeEnv, 'test');
    });
  });
}

describe('API keys: usage survives a graceful shutdown', () => {
  it('counts recorded before close are flushed by close', async (t) => {
    const first = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const key = await createKey(first.app, { name: 'flushed', permissions: { canReadProjects: true } });
    for (let i = 0; i < 3; i++) await first.app.inject({ url: '/test/read-projects', headers: bearer(key) });
    assert.ok(first.app.gateway.usage.pendingCount() > 0, 'counts are still in memory');
    await first.app.close();
    const second = await buildTestApp(t, {
      shareWith: first,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const stats = (await second.app.inject({ url: '/admin/keys/stats', headers: adminAuth })).json();
    assert.equal(stats.keys[0].totals.requests, 3);
  });
});
