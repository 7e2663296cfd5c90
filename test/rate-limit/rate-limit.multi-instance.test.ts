import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { waitForRedis } from '../../src/infra/redis.js';
import type { ResilientRateLimitStore } from '../../src/rate-limit/rate-limit-resilient-store.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { bearer } from '../helpers/keys.js';
import { skipUnless, TEST_REDIS_URL } from '../helpers/services.js';
import { TEST_ADMIN_KEY, testConfig } from '../helpers/test-config.js';
import { startRedisProxy } from './redis-proxy.js';

const LIMIT = 20;

describe('rate limits shared by two instances through Redis', { skip: await skipUnless('redis') }, () => {
  it('N + k requests spread over both instances: exactly N pass; with Redis gone both keep limiting locally', async (t) => {
    const proxy = await startRedisProxy(TEST_REDIS_URL);
    t.after(() => proxy.close());
    // A generous Redis timeout: with parallel suites loading the machine, a 100 ms check can time out
    // and be decided locally, which is the documented fallback but not what this part measures.
    const rateLimits = {
      ...testConfig().rateLimits,
      ip: { max: LIMIT, windowMs: 3_600_000 },
      redisTimeoutMs: 5_000,
    };
    const a = await buildTestApp(t, { redis: true, config: { redisUrl: proxy.url, rateLimits } });
    const b = await buildTestApp(t, {
      redis: true,
      shareWith: a,
      config: { redisUrl: proxy.url, rateLimits },
    });
    const hit = (i: number, ip: string) =>
      (i % 2 ? a : b).app.inject({
        url: '/docs/errors',
        remoteAddress: ip,
        headers: { accept: 'application/json' },
      });

    // Tolerance 0: one atomic Lua script per check decides on one shared counter. Both instances
    // are connected first (startup only waits a bounded time); a decision taken locally would
    // make the count meaningless, so the count says how many there were.
    const stores = [a, b].map((instance) => instance.app.gateway.rateLimits as ResilientRateLimitStore);
    await Promise.all(
      [a, b].map((instance) => waitForRedis(instance.app.gateway.shared.redis as Redis, 30_000)),
    );
    const shared = await Promise.all(Array.from({ length: LIMIT + 10 }, (_, i) => hit(i, '192.0.2.10')));
    const statuses = shared.map((r) => r.statusCode);
    const localDecisions = stores.map((store) => store.fallbackCount);
    const failures = [a, b].flatMap((instance) =>
      instance.logLines().filter((line) => line.context === 'rate-limit redis store'),
    );
    assert.equal(
      statuses.filter((s) => s === 200).length,
      LIMIT,
      `local decisions: ${localDecisions}; ${JSON.stringify(failures)}`,
    );
    assert.equal(statuses.filter((s) => s === 429).length, 10);

    await proxy.takeDown();
    // Without Redis each instance limits on its own counters: a client spread over both may get up
    // to 2N, never more, and nobody gets an error.
    const local = [];
    for (let i = 0; i < 2 * LIMIT + 10; i++) local.push(await hit(i, '192.0.2.11'));
    const localStatuses = local.map((r) => r.statusCode);
    assert.deepEqual([...new Set(localStatuses)].sort(), [200, 429]);
    assert.equal(localStatuses.filter((s) => s === 200).length, 2 * LIMIT);
    assert.ok((stores[0]?.fallbackCount ?? 0) > 0, 'decisions were taken locally');
    const warnings = a.logLines().filter((line) => line.context === 'rate-limit redis store');
    assert.equal(warnings.length, 1, 'the failure is logged once per interval, not per request');
    assert.ok(Number(warnings[0]?.suppressedSinceLastLog ?? 0) >= 0);
  });

  it('a guesser spread over both instances gets at most one more try per instance once the shared budget is spent', async (t) => {
    const rateLimits = { ...testConfig().rateLimits, unauthenticated: { max: 4, windowMs: 3_600_000 } };
    const a = await buildTestApp(t, { redis: true, config: { rateLimits } });
    const b = await buildTestApp(t, { redis: true, shareWith: a, config: { rateLimits } });
    const guess = (instance: typeof a, key: string) =>
      instance.app.inject({ url: '/admin/keys', remoteAddress: '192.0.2.20', headers: bearer(key) });
    const wrong = `lbapi_${'0'.repeat(38)}`;
    for (let i = 0; i < 4; i++) assert.equal((await guess(a, wrong)).statusCode, 401, `guess ${i + 1} on A`);
    assert.equal((await guess(a, TEST_ADMIN_KEY)).statusCode, 429, 'A saw the budget run out');
    // B has not counted a failure since: its first guess is checked, and counting it locks B out too.
    assert.equal((await guess(b, wrong)).statusCode, 429);
    assert.equal((await guess(b, TEST_ADMIN_KEY)).statusCode, 429, 'the right key is refused on B as well');
  });
});
