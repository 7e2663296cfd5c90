import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProject } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import { skipUnless } from '../helpers/services.js';

const needsServices = (await skipUnless('postgres')) || (await skipUnless('redis'));

/** Polls until `check` holds, for at most `withinMs`; returns how long it took. */
async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not reached within ${withinMs} ms`);
}

describe('API keys across two instances sharing PostgreSQL and Redis', { skip: needsServices }, () => {
  it('a key revoked through A is rejected by B within 1 second, and concurrent verifies do not resurrect it', async (t) => {
    const a = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const b = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      shareWith: a,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(a.app, { name: 'shared', permissions: { canReadProjects: true } });
    const onB = () => b.app.inject({ url: '/test/read-projects', headers: bearer(key) });
    assert.equal((await onB()).statusCode, 200, 'B verifies (and caches) the key');

    const concurrent = Array.from({ length: 20 }, () => onB());
    const revoked = await a.app.inject({ method: 'DELETE', url: '/admin/keys/shared', headers: adminAuth });
    assert.equal(revoked.statusCode, 204);
    await Promise.all(concurrent);

    const tookMs = await eventually(async () => (await onB()).statusCode === 401, 1_000);
    assert.ok(tookMs < 1_000);
    for (let i = 0; i < 5; i++) assert.equal((await onB()).statusCode, 401, 'stays revoked');
  });

  it('a key created on A works on B at once, even right after B saw it as unknown', async (t) => {
    const a = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const b = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      shareWith: a,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(a.app, { name: 'fresh', permissions: { canReadProjects: true } });
    await eventually(
      async () =>
        (await b.app.inject({ url: '/test/read-projects', headers: bearer(key) })).statusCode === 200,
      1_000,
    );
  });

  it('usage counted on both instances adds up exactly after flush', async (t) => {
    const a = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const b = await buildTestApp(t, {
      backend: 'postgres',
      redis: true,
      shareWith: a,
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(a.app, { name: 'counted', permissions: { canReadProjects: true } });
    const hits = (app: typeof a.app, url: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => app.inject({ url, headers: bearer(key) })));
    await hits(a.app, '/test/read-projects', 37);
    await hits(b.app, '/test/read-projects', 25);
    await hits(b.app, '/test/use-ai', 4);
    await Promise.all([a.app.gateway.usage.flush(), b.app.gateway.usage.flush()]);
    const stats = (await a.app.inject({ url: '/admin/keys/stats', headers: adminAuth })).json();
    const counted = stats.keys.find((k: { name: string }) => k.name === 'counted');
    assert.equal(counted.totals.requests, 66);
    assert.equal(counted.totals.errors, 4);
  });

  it('with their Redis stopped, a revocation through A is refused by B within 1.5 s (the change log)', async (t) => {
    const redis = await startOwnRedis(t);
    const options = {
      backend: 'postgres' as const,
      redis: true,
      config: { redisUrl: redis.url },
      overrides: { extraRoutes: permissionProbeRoutes },
    };
    const a = await buildTestApp(t, options);
    const b = await buildTestApp(t, { ...options, shareWith: a });
    const key = await createKey(a.app, { name: 'outage', permissions: { canReadProjects: true } });
    const onB = () => b.app.inject({ url: '/test/read-projects', headers: bearer(key) });
    assert.equal((await onB()).statusCode, 200, 'B verifies (and caches) the key');

    await redis.stop();
    const revoked = await a.app.inject({ method: 'DELETE', url: '/admin/keys/outage', headers: adminAuth });
    assert.equal(revoked.statusCode, 204);
    const tookMs = await eventually(async () => (await onB()).statusCode === 401, 1_500);
    t.diagnostic(`refused on B after ${Math.round(tookMs)} ms with Redis down`);
    for (let i = 0; i < 5; i++) assert.equal((await onB()).statusCode, 401, 'stays revoked');
  });

  it('without Redis at all, catalog writes and key changes reach the other instance through the change log', async (t) => {
    const options = { backend: 'postgres' as const, overrides: { extraRoutes: permissionProbeRoutes } };
    const a = await buildTestApp(t, options);
    const b = await buildTestApp(t, { ...options, shareWith: a });
    const key = await createKey(a.app, { name: 'no-redis', permissions: { canReadProjects: true } });
    assert.equal((await b.app.inject({ url: '/test/read-projects', headers: bearer(key) })).statusCode, 200);
    await a.app.inject({
      method: 'PATCH',
      url: '/admin/keys/no-redis',
      headers: adminAuth,
      payload: { permissions: { canReadProjects: false } },
    });
    await eventually(
      async () =>
        (await b.app.inject({ url: '/test/read-projects', headers: bearer(key) })).statusCode === 403,
      1_500,
    );

    const projectOnB = () => b.app.inject({ url: '/projects/outage-proof', headers: adminAuth });
    assert.equal((await projectOnB()).statusCode, 404);
    await createProject(a.app, { id: 'outage-proof', name: 'Outage proof', public_feeds: true });
    await eventually(async () => (await projectOnB()).statusCode === 200, 1_500);
  });
});
