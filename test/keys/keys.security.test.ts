import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { base62Checksum, generateApiKey, hashApiKey } from '../../src/keys/key-format.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';

function withoutRequestId(body: string): string {
  return body.replace(/"request_id":"[^"]+"/, '"request_id":"-"');
}

describe('API keys: authentication gives nothing away', () => {
  it('missing, malformed, bad-checksum, unknown, expired and revoked keys get byte-identical 401s', async (t) => {
    const clock = createManualClock();
    const { app } = await buildTestApp(t, { overrides: { clock, extraRoutes: permissionProbeRoutes } });
    const expiring = await createKey(app, {
      name: 'short-lived',
      permissions: { canReadProjects: true },
      expiresIn: '1h',
    });
    const revoked = await createKey(app, { name: 'revoked', permissions: { canReadProjects: true } });
    assert.equal(
      (await app.inject({ url: '/test/read-projects', headers: bearer(expiring) })).statusCode,
      200,
    );
    assert.equal(
      (await app.inject({ url: '/test/read-projects', headers: bearer(revoked) })).statusCode,
      200,
    );
    await app.inject({ method: 'DELETE', url: '/admin/keys/revoked', headers: adminAuth });
    clock.advance(2 * 3_600_000);

    const wellFormedUnknown = generateApiKey();
    const secret = wellFormedUnknown.slice(6, 38);
    const badChecksum = `lbapi_${secret}${base62Checksum(secret) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
    const attempts: Record<string, Record<string, string>> = {
      missing: {},
      'empty bearer': { authorization: 'Bearer ' },
      malformed: bearer('not-a-key'),
      'wrong prefix': bearer(wellFormedUnknown.replace('lbapi_', 'sk_li_')),
      'bad checksum': bearer(badChecksum),
      unknown: bearer(wellFormedUnknown),
      'unknown via X-API-Key': { 'x-api-key': wellFormedUnknown },
      expired: bearer(expiring),
      revoked: bearer(revoked),
      'other scheme': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      'admin key with a typo': bearer(`${TEST_ADMIN_KEY}x`),
    };
    const bodies = new Map<string, string>();
    for (const [label, headers] of Object.entries(attempts)) {
      const response = await app.inject({ url: '/test/read-projects', headers });
      assert.equal(response.statusCode, 401, label);
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="LunarBit API"', label);
      bodies.set(label, withoutRequestId(response.body));
    }
    assert.equal(new Set(bodies.values()).size, 1, JSON.stringify(Object.fromEntries(bodies), null, 1));
  });

  it('the v1 "ApiKey" scheme gets a 401 that explains the v2 Bearer form', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const key = await createKey(app, { name: 'v1 user', permissions: { canReadProjects: true } });
    const response = await app.inject({
      url: '/test/read-projects',
      headers: { authorization: `ApiKey ${key}` },
    });
    assert.equal(response.statusCode, 401);
    assert.match(response.json().error.message, /Bearer/);
  });

  it('keys in the query string are not accepted', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const key = await createKey(app, { name: 'query', permissions: { canReadProjects: true } });
    assert.equal((await app.inject({ url: `/test/read-projects?api_key=${key}` })).statusCode, 401);
  });

  it('no response but the issuing one carries a full key or a hash, and no log line ever does', async (t) => {
    const { app, rawLogs } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const key = await createKey(app, {
      name: 'secretive',
      permissions: { canReadProjects: true, canCreateKeys: true },
    });
    const hash = hashApiKey(key);
    const responses = [
      await app.inject({ url: '/test/read-projects', headers: bearer(key) }),
      await app.inject({ url: '/admin/keys', headers: adminAuth }),
      await app.inject({ url: '/admin/keys/secretive', headers: adminAuth }),
      await app.inject({ url: '/admin/keys/stats', headers: adminAuth }),
      await app.inject({
        method: 'PATCH',
        url: '/admin/keys/secretive',
        headers: adminAuth,
        payload: { tags: ['x'] },
      }),
      await app.inject({ url: '/admin/audit', headers: adminAuth }),
      await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: bearer(key),
        payload: { name: 'secretive' },
      }),
    ];
    for (const response of responses) {
      assert.ok(!response.body.includes(key.slice(6)), `full key in ${response.body}`);
      assert.ok(!response.body.includes(hash), `hash in ${response.body}`);
    }
    const log = rawLogs();
    assert.ok(log.length > 0);
    assert.ok(!log.includes(key.slice(6)), 'a full key was logged');
    assert.ok(!log.includes(hash), 'a key hash was logged');
    assert.ok(!log.includes(TEST_ADMIN_KEY), 'the admin key was logged');
  });
});

describe('API keys: no privilege escalation', () => {
  it('a key with canCreateKeys can grant only a subset of its own rights', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const creator = await createKey(app, {
      name: 'creator',
      permissions: { canCreateKeys: true, canReadProjects: true, canCheckUpdates: true },
      rateLimit: 100,
      allowedProjects: ['trackly'],
      expiresIn: '30d',
    });
    const attempt = (payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/admin/keys', headers: bearer(creator), payload });

    for (const payload of [
      { name: 'a', permissions: { canUseAI: true } },
      { name: 'b', permissions: { canRevokeKeys: true } },
      { name: 'c', allowedProjects: ['csviewer'] },
      { name: 'd', rateLimit: 101 },
      { name: 'e', expiresIn: '1y' },
    ]) {
      const response = await attempt(payload);
      assert.equal(response.statusCode, 403, JSON.stringify(payload));
      assert.equal(response.json().error.code, 'FORBIDDEN');
      assert.ok(response.json().error.details.problems.length >= 1);
    }

    const child = await attempt({ name: 'child', permissions: { canReadProjects: true } });
    assert.equal(child.statusCode, 201, child.body);
    assert.deepEqual(child.json().allowedProjects, ['trackly'], 'restrictions are inherited when omitted');
    assert.equal(child.json().rateLimit, 100);
    assert.equal(child.json().createdBy, 'creator');
    assert.ok(child.json().expiresAt, 'an expiring creator cannot make an immortal key');
  });

  it('canRevokeKeys cannot revoke keys it could not have created, nor the admin key', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const revoker = await createKey(app, {
      name: 'revoker',
      permissions: { canRevokeKeys: true, canReadProjects: true },
    });
    await createKey(app, { name: 'powerful', permissions: { canUseAI: true } });
    await createKey(app, { name: 'weak', permissions: { canReadProjects: true } });

    const denied = await app.inject({
      method: 'DELETE',
      url: '/admin/keys/powerful',
      headers: bearer(revoker),
    });
    assert.equal(denied.statusCode, 403);
    const admin = await app.inject({ method: 'DELETE', url: '/admin/keys/admin', headers: bearer(revoker) });
    assert.equal(admin.statusCode, 404);
    assert.equal(admin.json().error.code, 'KEY_NOT_FOUND');
    const allowed = await app.inject({ method: 'DELETE', url: '/admin/keys/weak', headers: bearer(revoker) });
    assert.equal(allowed.statusCode, 204);
    assert.equal((await app.inject({ url: '/test/admin-only', headers: adminAuth })).statusCode, 200);
  });

  it('admin-only routes refuse every non-admin key with 403', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const everything = await createKey(app, {
      name: 'everything',
      permissions: {
        canReadProjects: true,
        canReadVersions: true,
        canCheckUpdates: true,
        canUseAI: true,
        canCreateKeys: true,
        canRevokeKeys: true,
        canManageProjects: true,
      },
    });
    for (const url of [
      '/admin/keys',
      '/admin/keys/stats',
      '/admin/keys/everything',
      '/admin/audit',
      '/test/admin-only',
    ]) {
      const response = await app.inject({ url, headers: bearer(everything) });
      assert.equal(response.statusCode, 403, url);
    }
    const patch = await app.inject({
      method: 'PATCH',
      url: '/admin/keys/everything',
      headers: bearer(everything),
      payload: { rateLimit: 1_000_000 },
    });
    assert.equal(patch.statusCode, 403);
  });
});
