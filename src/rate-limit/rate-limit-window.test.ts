import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  consumeSlidingWindow,
  type RateLimitDecision,
  type RateLimitWindowState,
  windowStateTtlMs,
} from './rate-limit-window.js';

const MINUTE = 60_000;
const WINDOW_START = Date.UTC(2026, 1, 7, 12, 0, 0); // a multiple of one minute

/** Feeds timestamps through the algorithm as a store would, returning every decision. */
function replay(times: number[], limit: number, windowMs: number) {
  let state: RateLimitWindowState | undefined;
  return times.map((now) => {
    const result = consumeSlidingWindow(state, now, limit, windowMs);
    state = result.state;
    return result.decision;
  });
}

function runningMax(times: number[]): number[] {
  let max = Number.NEGATIVE_INFINITY;
  return times.map((time) => {
    max = Math.max(max, time);
    return max;
  });
}

/** The most allowed requests found in any interval (t − windowMs, t]. */
function maxAllowedInAnyWindow(allowedTimes: number[], windowMs: number): number {
  const sorted = [...allowedTimes].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while (sorted[first]! <= sorted[last]! - windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const limits = fc.integer({ min: 1, max: 12 });
const windows = fc.integer({ min: 1, max: 500 });
/** Gaps between requests, mostly small so that windows fill up, sometimes negative (clock steps back). */
const gaps = (allowBackwards: boolean) =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1_500 }) },
      { weight: allowBackwards ? 1 : 0, arbitrary: fc.integer({ min: -1_500, max: -1 }) },
    ),
    { maxLength: 250 },
  );
const timesFrom = (start: number, deltas: number[]) => {
  let now = start;
  return deltas.map((gap) => {
    now += gap;
    return now;
  });
};

describe('sliding-window counter', () => {
  it('allows exactly N in a window, rejects N+1 with the exact retry time, and allows again as it slides', () => {
    const limit = 5;
    let state: RateLimitWindowState | undefined;
    const consume = (now: number): RateLimitDecision => {
      const result = consumeSlidingWindow(state, now, limit, MINUTE);
      state = result.state;
      return result.decision;
    };

    for (let i = 0; i < limit; i += 1) {
      const decision = consume(WINDOW_START + i * 1_000);
      assert.equal(decision.allowed, true);
      assert.equal(decision.remaining, limit - 1 - i);
      assert.equal(decision.retryAfterMs, 0);
    }
    // The 5th used the last slot: Reset says when the next one will be let through.
    assert.equal(consume(WINDOW_START + 5_000).allowed, false);

    // Next window: the 5 previous weigh 5 × (60 − e)/60; one more fits once that is ≤ 4, at e = 12 s.
    const rejected = consume(WINDOW_START + 10_000);
    assert.deepEqual(rejected, {
      allowed: false,
      limit,
      windowMs: MINUTE,
      remaining: 0,
      resetAtMs: WINDOW_START + MINUTE + 12_000,
      retryAfterMs: MINUTE + 2_000,
    });
    assert.deepEqual(state, { windowStart: WINDOW_START, current: 5, previous: 0 });

    assert.equal(consume(WINDOW_START + MINUTE + 11_999).allowed, false);
    const slid = consume(WINDOW_START + MINUTE + 12_000);
    assert.equal(slid.allowed, true);
    assert.equal(slid.remaining, 0);
    // Half-way through, the previous 5 weigh 2.5: 2 allowed in this window so far (+1 now = 3 total).
    assert.equal(consume(WINDOW_START + MINUTE + 30_000).allowed, true);
    assert.equal(consume(WINDOW_START + MINUTE + 30_000).allowed, false);
    // Two windows later nothing weighs any more: a full quota.
    assert.equal(consume(WINDOW_START + 3 * MINUTE).remaining, limit - 1);
  });

  it('reports the end of the window as reset while requests remain', () => {
    const { decision } = consumeSlidingWindow(undefined, WINDOW_START + 7_000, 10, MINUTE);
    assert.equal(decision.resetAtMs, WINDOW_START + MINUTE);
    assert.equal(decision.remaining, 9);
  });

  it('with a limit of 1, one request blocks until its window has fully decayed', () => {
    const [first, second, third] = replay(
      [WINDOW_START + 59_999, WINDOW_START + 60_000, WINDOW_START + 119_999],
      1,
      MINUTE,
    );
    assert.equal(first!.allowed, true);
    assert.equal(first!.resetAtMs, WINDOW_START + 2 * MINUTE);
    assert.equal(second!.allowed, false);
    assert.equal(second!.retryAfterMs, MINUTE);
    assert.equal(third!.allowed, false);
    assert.equal(replay([WINDOW_START, WINDOW_START + 2 * MINUTE], 1, MINUTE)[1]!.allowed, true);
  });

  it('a clock stepping back does not crash, reset the window or grant extra requests', () => {
    let state: RateLimitWindowState | undefined;
    for (let i = 0; i < 3; i += 1) {
      state = consumeSlidingWindow(state, WINDOW_START + 5 * MINUTE, 3, MINUTE).state;
    }
    const back = consumeSlidingWindow(state, WINDOW_START - 100 * MINUTE, 3, MINUTE);
    assert.equal(back.decision.allowed, false);
    assert.deepEqual(back.state, state);
    assert.ok(back.decision.retryAfterMs > 100 * MINUTE);
    assert.ok(Number.isFinite(back.decision.resetAtMs));
  });

  it('rejects invalid limits, windows and times instead of deciding on garbage', () => {
    assert.throws(() => consumeSlidingWindow(undefined, WINDOW_START, 0, MINUTE), RangeError);
    assert.throws(() => consumeSlidingWindow(undefined, WINDOW_START, 1.5, MINUTE), RangeError);
    assert.throws(() => consumeSlidingWindow(undefined, WINDOW_START, 5, 0), RangeError);
    assert.throws(() => consumeSlidingWindow(undefined, Number.NaN, 5, MINUTE), RangeError);
  });

  it('keeps state exactly as long as it can influence a decision', () => {
    const { state } = consumeSlidingWindow(undefined, WINDOW_START + 20_000, 5, MINUTE);
    assert.equal(windowStateTtlMs(state, WINDOW_START + 20_000, MINUTE), 2 * MINUTE - 20_000);
  });
});

describe('sliding-window counter (properties)', () => {
  it('never allows more than L per aligned window nor 2L − 1 in any window-long interval, even when time steps back', () => {
    fc.assert(
      fc.property(
        limits,
        windows,
        fc.integer({ min: -1e6, max: 1e6 }),
        gaps(true),
        (limit, windowMs, start, deltas) => {
          const times = timesFrom(WINDOW_START + start, deltas);
          const decisions = replay(times, limit, windowMs);
          // Judged on the latest time seen so far: a clock that stepped back has not undone time.
          const seen = runningMax(times);
          const allowedAt = seen.filter((_, i) => decisions[i]!.allowed);
          assert.ok(maxAllowedInAnyWindow(allowedAt, windowMs) <= 2 * limit - 1);
          const perWindow = new Map<number, number>();
          for (const time of allowedAt) {
            const window = Math.floor(time / windowMs);
            perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
          }
          for (const count of perWindow.values()) assert.ok(count <= limit);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the 2L − 1 bound is reached: a burst at the end of one window, then traffic across the next', () => {
    fc.assert(
      fc.property(limits, fc.integer({ min: 2, max: 50 }), (limit, scale) => {
        const windowMs = limit * scale * 10;
        const aligned = Math.ceil(WINDOW_START / windowMs) * windowMs;
        const burst = Array.from({ length: limit }, () => aligned + windowMs - 1);
        const after = Array.from({ length: windowMs - 1 }, (_, i) => aligned + windowMs + i);
        const decisions = replay([...burst, ...after], limit, windowMs);
        const allowedAt = [...burst, ...after].filter((_, i) => decisions[i]!.allowed);
        assert.equal(maxAllowedInAnyWindow(allowedAt, windowMs), 2 * limit - 1);
      }),
      { numRuns: 30 },
    );
  });

  it('rejected requests change nothing: later decisions are the same as if they never happened', () => {
    fc.assert(
      fc.property(limits, windows, gaps(false), (limit, windowMs, deltas) => {
        const times = timesFrom(WINDOW_START, deltas);
        const decisions = replay(times, limit, windowMs);
        const withoutRejected = times.filter((_, i) => decisions[i]!.allowed);
        assert.deepEqual(
          replay(withoutRejected, limit, windowMs),
          decisions.filter((decision) => decision.allowed),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('remaining, Retry-After and Reset are exact: the promised requests pass, and not one more or sooner', () => {
    fc.assert(
      fc.property(
        limits,
        windows,
        gaps(true),
        fc.integer({ min: 0, max: 1_000 }),
        (limit, windowMs, deltas, pause) => {
          const times = timesFrom(WINDOW_START, deltas);
          let state: RateLimitWindowState | undefined;
          for (const now of times) state = consumeSlidingWindow(state, now, limit, windowMs).state;
          const now = (times.at(-1) ?? WINDOW_START) + pause;
          const { decision, state: after } = consumeSlidingWindow(state, now, limit, windowMs);
          assert.ok(decision.remaining >= 0 && decision.remaining < limit);
          assert.ok(decision.resetAtMs > now);
          if (!decision.allowed) {
            assert.deepEqual(after, consumeSlidingWindow(state, now, limit, windowMs).state);
            assert.equal(decision.resetAtMs, now + decision.retryAfterMs);
            const tooEarly = consumeSlidingWindow(after, now + decision.retryAfterMs - 1, limit, windowMs);
            assert.equal(tooEarly.decision.allowed, false);
            assert.equal(
              consumeSlidingWindow(after, decision.resetAtMs, limit, windowMs).decision.allowed,
              true,
            );
            return;
          }
          let current = after;
          for (let i = 0; i < decision.remaining; i += 1) {
            const next = consumeSlidingWindow(current, now, limit, windowMs);
            assert.equal(next.decision.allowed, true);
            current = next.state;
          }
          const exhausted = consumeSlidingWindow(current, now, limit, windowMs).decision;
          assert.equal(exhausted.allowed, false);
          assert.equal(
            consumeSlidingWindow(current, exhausted.resetAtMs, limit, windowMs).decision.allowed,
            true,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
