import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMemoryCache } from '../../src/infra/cache.js';
import { createLocalEventBus } from '../../src/infra/event-bus.js';
import { createSharedState, type SharedState } from '../../src/infra/shared-state.js';
import { skipUnless, TEST_REDIS_URL } from '../helpers/services.js';
import { startRedisProxy } from '../rate-limit/redis-proxy.js';

function nextEvent(bus: SharedState['bus'], topic: string): Promise<unknown> {
  return new Promise((resolve) => {
    const off = bus.subscribe(topic, (payload) => {
      off();
      resolve(payload);
    });
  });
}

describe('in-memory shared state', () => {
  it('cache entries expire after their TTL', async () => {
    const cache = createMemoryCache();
    await cache.set('a', { n: 1 }, 60_000);
    assert.deepEqual(await cache.get('a'), { n: 1 });
    await cache.delete('a');
    assert.equal(await cache.get('a'), undefined);
  });

  it('the local bus delivers to every subscriber of the topic and survives a throwing handler', async () => {
    const errors: string[] = [];
    const bus = createLocalEventBus((_e, context) => errors.push(context));
    const seen: unknown[] = [];
    bus.subscribe('t', () => {
      throw new Error('boom');
    });
    bus.subscribe('t', (payload) => seen.push(payload));
    bus.subscribe('other', (payload) => seen.push(`other:${String(payload)}`));
    await bus.publish('t', { id: 1 });
    assert.deepEqual(seen, [{ id: 1 }]);
    assert.deepEqual(errors, ['event handler for t']);
  });
});

describe('Redis shared state', { skip: await skipUnless('redis') }, () => {
  it('two instances share cache entries and hear each other on the bus (not their own echo)', async (t) => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const errors: unknown[] = [];
    const a = await createSharedState(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, changeLogPollMs: 500 },
      (e) => errors.push(e),
    );
    const b = await createSharedState(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, changeLogPollMs: 500 },
      (e) => errors.push(e),
    );
    t.after(async () => {
      await a.redis?.del(`${prefix}cache:k`);
      await Promise.all([a.close(), b.close()]);
    });
    assert.equal(await a.connect(), true);
    assert.equal(await b.connect(), true);

    await a.cache.set('k', { value: 42 }, 10_000);
    assert.deepEqual(await b.cache.get('k'), { value: 42 });

    const onA: unknown[] = [];
    a.bus.subscribe('keys.revoked', (payload) => onA.push(payload));
    const received = nextEvent(b.bus, 'keys.revoked');
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    await a.bus.publish('keys.revoked', { hash: 'abc' });
    assert.deepEqual(await received, { hash: 'abc' });
    assert.deepEqual(onA, [{ hash: 'abc' }], 'the publisher handles its own event once, locally');
    assert.deepEqual(errors, []);
  });

  it('subscribes through a Redis that is slow to answer, without a failure', async (t) => {
    // Every chunk towards Redis is held 1.5 s, longer than a command's own timeout (1 s): the
    // subscriptions made at start wait for their answer instead of failing (as at the start of an
    // instance on a loaded machine, whose SUBSCRIBE was refused as timed out).
    const proxy = await startRedisProxy(TEST_REDIS_URL);
    proxy.setDelay(1_500);
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const errors: string[] = [];
    const slow = await createSharedState(
      { redisUrl: proxy.url, redisPrefix: prefix, changeLogPollMs: 500 },
      (e, c) => errors.push(`${c}: ${e}`),
    );
    const other = await createSharedState(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, changeLogPollMs: 500 },
      (e, c) => errors.push(`${c}: ${e}`),
    );
    t.after(async () => {
      await Promise.all([slow.close(), other.close()]);
      await proxy.close();
    });
    const received = nextEvent(slow.bus, 'catalog.changed');
    await slow.bus.ready();
    await other.connect();
    await other.bus.publish('catalog.changed', { project: 'trackly' });
    assert.deepEqual(await received, { project: 'trackly' });
    // Its command connection gives up on each command after 1 s (the cache and rate limits then
    // decide locally); only its subscriptions are what this is about.
    assert.deepEqual(
      errors.filter((error) => !error.startsWith('redis connection:')),
      [],
    );
  });

  it('reports Redis as unhealthy without throwing when it cannot connect', async (t) => {
    const errors: unknown[] = [];
    const state = await createSharedState(
      { redisUrl: 'redis://127.0.0.1:1', redisPrefix: 'x:', changeLogPollMs: 500 },
      (e) => errors.push(e),
    );
    t.after(() => state.close());
    await assert.rejects(state.pingRedis!());
    await assert.rejects(state.cache.get('k'));
    await state.bus.publish('t', 1); // a failed publish is reported, not thrown
  });
});
