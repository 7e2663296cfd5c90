import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../infra/clock.js';
import { createMemoryRateLimitStore } from './rate-limit-memory-store.js';

const MINUTE = 60_000;
const WINDOW_START = Date.UTC(2026, 1, 7, 12, 0, 0);

describe('memory rate-limit store', () => {
  it('allows exactly N per window on the injected clock, rejects the next, and allows again as it slides', async () => {
    const clock = createManualClock(WINDOW_START);
    const store = createMemoryRateLimitStore({ clock });
    for (let i = 0; i < 3; i += 1) assert.equal((await store.consume('key:a', 3, MINUTE)).allowed, true);
    const rejected = await store.consume('key:a', 3, MINUTE);
    assert.equal(rejected.allowed, false);
    // 3 × (60 − e)/60 ≤ 2 from e = 20 s into the next window.
    assert.equal(rejected.retryAfterMs, MINUTE + 20_000);
    assert.equal((await store.consume('key:b', 3, MINUTE)).allowed, true, 'other keys are unaffected');

    clock.advance(rejected.retryAfterMs - 1);
    assert.equal((await store.consume('key:a', 3, MINUTE)).allowed, false);
    clock.advance(1);
    assert.equal((await store.consume('key:a', 3, MINUTE)).allowed, true);
  });

  it('keeps at most maxKeys, forgetting the least recently used', async () => {
    const clock = createManualClock(WINDOW_START);
    const store = createMemoryRateLimitStore({ clock, maxKeys: 2 });
    assert.equal((await store.consume('a', 1, MINUTE)).allowed, true);
    assert.equal((await store.consume('b', 1, MINUTE)).allowed, true);
    assert.equal((await store.consume('a', 1, MINUTE)).allowed, false, 'a is remembered');
    assert.equal((await store.consume('c', 1, MINUTE)).allowed, true);
    // b was the least recently used of three keys in a store of two: forgotten, so lenient again.
    assert.equal((await store.consume('b', 1, MINUTE)).allowed, true);
  });

  it('a key at its limit is let through again once its windows have passed', async () => {
    const clock = createManualClock(WINDOW_START);
    const store = createMemoryRateLimitStore({ clock });
    assert.equal((await store.consume('a', 1, MINUTE)).allowed, true);
    clock.advance(2 * MINUTE - 1);
    assert.equal((await store.consume('a', 1, MINUTE)).allowed, false);
    clock.advance(1);
    assert.equal((await store.consume('a', 1, MINUTE)).allowed, true);
  });
});
