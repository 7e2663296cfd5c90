import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConcurrencyLimit } from './concurrency-limit.js';

// Waits here either get a slot that is released, or end with no one releasing one: no outcome
// depends on how long a wait actually took.
describe('concurrency limit', () => {
  it('gives slots up to the limit, then queues in arrival order and hands released slots over', async () => {
    const limit = createConcurrencyLimit(2);
    assert.equal(limit.tryAcquire(), true);
    assert.equal(limit.tryAcquire(), true);
    assert.equal(limit.tryAcquire(), false);
    const order: string[] = [];
    const first = limit.acquire(60_000).then((granted) => order.push(`first:${granted}`));
    const second = limit.acquire(60_000).then((granted) => order.push(`second:${granted}`));
    assert.equal(limit.queued, 2);
    // A newcomer does not jump the queue, even when a slot is given back.
    limit.release();
    assert.equal(limit.tryAcquire(), false);
    await first;
    assert.deepEqual(order, ['first:true']);
    limit.release();
    await second;
    assert.deepEqual(order, ['first:true', 'second:true']);
    assert.deepEqual([limit.active, limit.queued, limit.rejected], [2, 0, 0]);
    limit.release();
    limit.release();
    assert.equal(limit.active, 0);
  });

  it('ends a wait without a slot when its time runs out, and counts the refusal', async () => {
    const limit = createConcurrencyLimit(1);
    limit.tryAcquire();
    assert.equal(await limit.acquire(20), false);
    assert.equal(await limit.acquire(0), false);
    assert.deepEqual([limit.active, limit.queued, limit.rejected], [1, 0, 2]);
    // A slot released after a wait gave up goes back to the pool, not to the departed waiter.
    limit.release();
    assert.equal(limit.active, 0);
    assert.equal(limit.tryAcquire(), true);
  });

  it('ends a wait whose caller went away, without counting a refusal', async () => {
    const limit = createConcurrencyLimit(1);
    limit.tryAcquire();
    const controller = new AbortController();
    const waiting = limit.acquire(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
    assert.deepEqual([limit.queued, limit.rejected], [0, 0]);
  });

  it('refuses a limit below 1', () => {
    assert.throws(() => createConcurrencyLimit(0), /≥ 1/);
  });
});
