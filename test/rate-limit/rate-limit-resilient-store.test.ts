import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { Redis } from 'ioredis';
import { createManualClock, type ManualClock } from '../../src/infra/clock.js';
import { closeRedis, createRedisConnection, waitForRedis } from '../../src/infra/redis.js';
import { createMemoryRateLimitStore } from '../../src/rate-limit/rate-limit-memory-store.js';
import { createRedisRateLimitStore } from '../../src/rate-limit/rate-limit-redis-store.js';
import {
  createResilientRateLimitStore,
  FAILURE_CONTEXT,
  RateLimitStoreTimeoutError,
} from '../../src/rate-limit/rate-limit-resilient-store.js';
import type { RateLimitStore } from '../../src/rate-limit/rate-limit-store.js';
import { skipUnless, TEST_REDIS_URL } from '../helpers/services.js';
import { startRedisProxy } from './redis-proxy.js';

const HOUR = 3_600_000;
const COOL_DOWN = 30_000;

/** A fail-fast connection (as the app makes them) whose reconnect errors the test does not care about. */
function connect(t: TestContext, url: string, name: string): Redis {
  const redis = createRedisConnection(url, name);
  redis.on('error', () => {});
  t.after(() => closeRedis(redis));
  return redis;
}

function resilientStore(
  redis: Redis,
  prefix: string,
  clock: ManualClock,
  options: { timeoutMs?: number } = {},
) {
  const failures: { error: unknown; context: string }[] = [];
  const store = createResilientRateLimitStore({
    redisStore: createRedisRateLimitStore({ redis, prefix }),
    localStore: createMemoryRateLimitStore({ clock }),
    clock,
    onFailure: (error, context) => failures.push({ error, context }),
    failureThreshold: 3,
    coolDownMs: COOL_DOWN,
    // Generous by default: parallel suites load the machine and a healthy Redis must not time out.
    timeoutMs: options.timeoutMs ?? 1_000,
  });
  return { store, failures };
}

async function consumeMany(store: RateLimitStore, key: string, limit: number, count: number) {
  const allowed: boolean[] = [];
  for (let i = 0; i < count; i += 1) allowed.push((await store.consume(key, limit, HOUR)).allowed);
  return allowed;
}

describe('resilient rate-limit store, Redis unreachable', () => {
  it('keeps limiting locally without throwing and counts every failure', async (t) => {
    const clock = createManualClock();
    const redis = connect(t, 'redis://127.0.0.1:1', 'rate-limit-unreachable');
    const { store, failures } = resilientStore(redis, 'test:unreachable:', clock);

    assert.deepEqual(await consumeMany(store, 'client', 3, 5), [true, true, true, false, false]);
    assert.equal(store.fallbackCount, 5);
    assert.equal(store.redisFailures, 3, 'the circuit opened after 3 failures; Redis was not tried again');
    assert.equal(store.circuitState, 'open');
    assert.equal(failures.length, 3);
    assert.ok(failures.every((failure) => failure.context === FAILURE_CONTEXT));
    assert.equal((await store.consume('another-client', 3, HOUR)).allowed, true);
  });

  it('opens for the cool-down, then lets one trial through and opens again when it fails', async (t) => {
    const clock = createManualClock();
    const redis = connect(t, 'redis://127.0.0.1:1', 'rate-limit-unreachable');
    const { store } = resilientStore(redis, 'test:unreachable:', clock);
    await consumeMany(store, 'client', 100, 3);
    assert.equal(store.circuitState, 'open');

    clock.advance(COOL_DOWN - 1);
    await consumeMany(store, 'client', 100, 10);
    assert.equal(store.redisFailures, 3, 'not tried during the cool-down');

    clock.advance(1);
    await store.consume('client', 100, HOUR);
    assert.equal(store.redisFailures, 4, 'one trial after the cool-down');
    assert.equal(store.circuitState, 'open');
    await consumeMany(store, 'client', 100, 5);
    assert.equal(store.redisFailures, 4, 'a failed trial restarts the cool-down');
    assert.equal(store.fallbackCount, 19);
  });
});

describe('resilient rate-limit store, Redis slow or stopped', { skip: await skipUnless('redis') }, () => {
  async function setUp(t: TestContext) {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const proxy = await startRedisProxy(TEST_REDIS_URL);
    const direct = createRedisConnection(TEST_REDIS_URL, 'rate-limit-direct');
    t.after(async () => {
      const keys = await direct.keys(`${prefix}*`);
      if (keys.length > 0) await direct.del(...keys);
      await Promise.all([closeRedis(direct), proxy.close()]);
    });
    const viaProxy = connect(t, proxy.url, 'rate-limit-via-proxy');
    await Promise.all([waitForRedis(direct), waitForRedis(viaProxy)]);
    return { prefix, proxy, direct, viaProxy };
  }

  it('decides locally when Redis is slower than the timeout, opens, and closes again after a good trial', async (t) => {
    const { prefix, proxy, direct, viaProxy } = await setUp(t);
    const clock = createManualClock();
    const { store, failures } = resilientStore(viaProxy, prefix, clock, { timeoutMs: 300 });
    const shared = createRedisRateLimitStore({ redis: direct, prefix });

    assert.equal((await store.consume('client', 10, HOUR)).remaining, 9, 'from Redis');
    proxy.setDelay(800); // above the store timeout, below the connection command timeout (1 s)
    const started = Date.now();
    const slow = await consumeMany(store, 'client', 2, 4);
    assert.deepEqual(slow, [true, true, false, false], 'local counters with their own limit');
    assert.ok(Date.now() - started < 4 * 800, 'each check waited about the timeout, not for Redis');
    assert.equal(store.redisFailures, 3);
    assert.ok(failures.every((failure) => failure.error instanceof RateLimitStoreTimeoutError));
    assert.equal(store.circuitState, 'open');

    const chunksWhenOpened = proxy.chunksToRedis;
    await consumeMany(store, 'other', 10, 5);
    assert.equal(proxy.chunksToRedis, chunksWhenOpened, 'no traffic to Redis while open');

    proxy.setDelay(0);
    await viaProxy.ping(); // the late answers to the timed-out checks have drained
    clock.advance(COOL_DOWN);
    const trial = await store.consume('fresh', 10, HOUR);
    assert.equal(store.circuitState, 'closed');
    assert.equal(trial.remaining, 9);
    // Back on the shared counters: another instance sees this instance's count.
    assert.equal((await shared.consume('fresh', 10, HOUR)).remaining, 8);
    assert.equal(store.fallbackCount, 9);
  });

  it('while the half-open trial is in flight, other checks are decided locally', async (t) => {
    const { prefix, proxy, viaProxy } = await setUp(t);
    const clock = createManualClock();
    const { store } = resilientStore(viaProxy, prefix, clock, { timeoutMs: 1_000 });
    await proxy.takeDown();
    await consumeMany(store, 'client', 10, 3);
    assert.equal(store.circuitState, 'open');
    await proxy.bringUp();
    await waitForRedis(viaProxy, 5_000);

    proxy.setDelay(100);
    clock.advance(COOL_DOWN);
    const trial = store.consume('client', 10, HOUR);
    assert.equal(store.circuitState, 'half-open');
    const meanwhile = await consumeMany(store, 'client', 10, 4);
    assert.equal(meanwhile.length, 4);
    assert.equal(store.fallbackCount, 7);
    assert.equal((await trial).remaining, 9, 'the trial was decided by Redis');
    assert.equal(store.circuitState, 'closed');
  });

  it('two instances sharing Redis limit together, and each keeps limiting when Redis stops mid-test', async (t) => {
    const { prefix, proxy, viaProxy } = await setUp(t);
    const secondConnection = connect(t, proxy.url, 'rate-limit-via-proxy-b');
    await waitForRedis(secondConnection);
    const clock = createManualClock();
    const a = resilientStore(viaProxy, prefix, clock).store;
    const b = resilientStore(secondConnection, prefix, clock).store;
    const limit = 6;

    const together = await Promise.all(
      Array.from({ length: limit + 4 }, (_, i) => (i % 2 === 0 ? a : b).consume('client', limit, HOUR)),
    );
    assert.equal(together.filter((decision) => decision.allowed).length, limit);

    await proxy.takeDown();
    const onA = await consumeMany(a, 'after-stop', limit, limit + 2);
    const onB = await consumeMany(b, 'after-stop', limit, limit + 2);
    // Without Redis each instance enforces the limit on its own: n instances, up to n × limit.
    assert.equal(onA.filter(Boolean).length, limit);
    assert.equal(onB.filter(Boolean).length, limit);
    assert.ok(a.redisFailures >= 1 && b.redisFailures >= 1);
    assert.equal(a.fallbackCount, limit + 2);
  });
});
