import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { closeRedis, createRedisConnection, waitForRedis } from '../../src/infra/redis.js';
import { createRedisRateLimitStore } from '../../src/rate-limit/rate-limit-redis-store.js';
import {
  consumeSlidingWindow,
  type RateLimitWindowState,
  windowStateTtlMs,
} from '../../src/rate-limit/rate-limit-window.js';
import { skipUnless, TEST_REDIS_URL } from '../helpers/services.js';

const HOUR = 3_600_000;

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function readState(redis: Redis, fullKey: string): Promise<RateLimitWindowState | undefined> {
  const [start, current, previous] = await redis.hmget(fullKey, 'start', 'current', 'previous');
  if (start === null) return undefined;
  return { windowStart: Number(start), current: Number(current), previous: Number(previous) };
}

async function serverTimeMs(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe('Redis rate-limit store', { skip: await skipUnless('redis') }, () => {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  let other: Redis;

  before(async () => {
    redis = createRedisConnection(TEST_REDIS_URL, 'rate-limit-test-a');
    other = createRedisConnection(TEST_REDIS_URL, 'rate-limit-test-b');
    await Promise.all([waitForRedis(redis), waitForRedis(other)]);
  });
  after(async () => {
    await deleteKeys(redis, prefix);
    await Promise.all([closeRedis(redis), closeRedis(other)]);
  });

  it('decides exactly as the pure algorithm at the Redis server time, from any stored state', async () => {
    const store = createRedisRateLimitStore({ redis, prefix });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(997, 60_000, HOUR, 7 * 24 * HOUR),
        fc.integer({ min: -1, max: 3 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 25 }),
        async (limit, windowMs, windowsAgo, current, previous) => {
          run += 1;
          const key = `agree:${run}`;
          const fullKey = `${prefix}rl:${key}`;
          const now = await serverTimeMs(redis);
          // windowsAgo −1 is a window in the future, as after the server clock stepped back.
          const seeded = { windowStart: now - (now % windowMs) - windowsAgo * windowMs, current, previous };
          await redis.hset(fullKey, 'start', seeded.windowStart, 'current', current, 'previous', previous);
          await redis.pexpire(fullKey, 10 * windowMs);

          const { decision, serverTimeMs: decidedAt } = await store.consumeWithServerTime(
            key,
            limit,
            windowMs,
          );
          const expected = consumeSlidingWindow(seeded, decidedAt, limit, windowMs);
          assert.deepEqual(decision, expected.decision);
          const stored = await readState(redis, fullKey);
          assert.deepEqual(stored, expected.state);
          const ttl = await redis.pttl(fullKey);
          if (expected.state === seeded) {
            assert.ok(ttl > 9 * windowMs, 'an unchanged state is not rewritten');
          } else {
            const lifetime = windowStateTtlMs(expected.state, decidedAt, windowMs);
            assert.ok(ttl <= lifetime && ttl > lifetime - 2_000, `ttl ${ttl}, expected about ${lifetime}`);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('allows exactly N in a window from empty, matches the pure algorithm request by request, and expires', async () => {
    const store = createRedisRateLimitStore({ redis, prefix });
    const limit = 4;
    let expectedState: RateLimitWindowState | undefined;
    const allowed: boolean[] = [];
    for (let i = 0; i < limit + 3; i += 1) {
      const { decision, serverTimeMs: at } = await store.consumeWithServerTime('sequence', limit, HOUR);
      const expected = consumeSlidingWindow(expectedState, at, limit, HOUR);
      expectedState = expected.state;
      assert.deepEqual(decision, expected.decision);
      allowed.push(decision.allowed);
      if (!decision.allowed) assert.ok(decision.retryAfterMs > 0);
    }
    // An hour window crossed mid-test still allows exactly `limit` (the previous hour weighs fully).
    assert.equal(allowed.filter(Boolean).length, limit);
    const ttl = await redis.pttl(`${prefix}rl:sequence`);
    assert.ok(ttl > 0 && ttl <= 2 * HOUR, `ttl ${ttl}`);
  });

  it('two instances on two connections allow exactly N of N + k concurrent requests (atomic script)', async () => {
    const storeA = createRedisRateLimitStore({ redis, prefix });
    const storeB = createRedisRateLimitStore({ redis: other, prefix });
    const limit = 25;
    const requests = Array.from({ length: limit + 15 }, (_, i) =>
      (i % 2 === 0 ? storeA : storeB).consume('shared', limit, HOUR),
    );
    const decisions = await Promise.all(requests);
    const allowed = decisions.filter((decision) => decision.allowed);
    assert.equal(allowed.length, limit);
    // Each allowed request saw a distinct count: no two read the same state.
    assert.deepEqual(
      allowed.map((decision) => decision.remaining).sort((a, b) => a - b),
      Array.from({ length: limit }, (_, i) => i),
    );
    for (const rejected of decisions.filter((decision) => !decision.allowed)) {
      assert.ok(rejected.retryAfterMs > 0);
    }
  });

  it('keeps keys apart and stores them under the prefix only', async () => {
    const store = createRedisRateLimitStore({ redis, prefix });
    assert.equal((await store.consume('one', 1, HOUR)).allowed, true);
    assert.equal((await store.consume('one', 1, HOUR)).allowed, false);
    assert.equal((await store.consume('two', 1, HOUR)).allowed, true);
    assert.equal(await redis.exists(`${prefix}rl:one`, `${prefix}rl:two`), 2);
  });

  it('refuses an invalid limit before touching Redis', async () => {
    const store = createRedisRateLimitStore({ redis, prefix });
    await assert.rejects(async () => store.consume('bad', 0, HOUR), RangeError);
    assert.equal(await redis.exists(`${prefix}rl:bad`), 0);
  });
});
