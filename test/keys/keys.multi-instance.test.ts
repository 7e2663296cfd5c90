import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
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
});
