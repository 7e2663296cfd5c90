/**
 * Sliding-window counter: the rate-limit arithmetic shared by every store.
 *
 * Time is cut into fixed windows aligned to multiples of `windowMs` since the Unix epoch. A key keeps
 * two counts: requests allowed in the current window and in the one before it. The number of requests
 * "in the last windowMs" is estimated as
 *
 *     previous × (windowMs − elapsed) / windowMs + current
 *
 * (the previous window weighted by how much of it still overlaps the sliding window), and a request is
 * allowed when that estimate plus itself is at most `limit`. The comparison is done in integers scaled
 * by `windowMs`, so the JavaScript and Lua implementations take bit-identical decisions.
 *
 * ERROR BOUND (what the estimate guarantees against an exact sliding log), for limit L ≥ 1:
 * - in every aligned window, at most L requests are allowed (exact);
 * - in ANY interval of length windowMs, at most 2L − 1 requests are allowed, and this is tight.
 *   Proof: take an interval ending at t in window k, with P allowed in window k − 1 and C allowed in
 *   window k up to t. The interval cannot reach window k − 2. When the last of those C was allowed,
 *   at elapsed e < windowMs, P·(windowMs − e)/windowMs + C ≤ L held, so C ≤ L − 1 whenever P ≥ 1;
 *   hence P + C ≤ 2L − 1. It is reached when window k − 1's requests all arrive at its very end.
 * The overshoot over a true sliding log comes only from how unevenly window k − 1's traffic was
 * spread: it is the number of its requests inside the interval minus the share P·(windowMs − e)/windowMs
 * that the estimate assumed, so for evenly spread traffic the estimate is the true count (up to
 * rounding). In short: at most L per aligned window (n·L over n consecutive windows), never more than
 * 2L − 1 in any window-long span.
 *
 * Rejected requests are not counted, so a client that keeps retrying is not locked out for longer.
 *
 * Time going backwards (a stepped clock, a Redis failover) never grants extra: a `now` before the
 * stored window is treated as the start of that window, where the previous window weighs the most,
 * and the stored window never moves back. The bound above then holds on the timeline of the latest
 * time seen per key.
 */

export interface RateLimitWindowState {
  /** Start (ms since the epoch) of the window that `current` counts; a multiple of windowMs. */
  windowStart: number;
  /** Requests allowed in the window starting at `windowStart`. */
  current: number;
  /** Requests allowed in the window before it. */
  previous: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  windowMs: number;
  /** Further requests that would be allowed right now (after this one, when it was allowed). */
  remaining: number;
  /**
   * When `remaining` > 0: the end of the current fixed window, when everything counted before it has
   * stopped weighing. When `remaining` is 0 (the last allowed request, or a rejection): the earliest
   * moment one more request will be allowed if the caller sends nothing before. Either way, a client
   * that has run out can wait until X-RateLimit-Reset and be let through.
   */
  resetAtMs: number;
  /** 0 when allowed; otherwise how long until one more request will be allowed. */
  retryAfterMs: number;
}

export interface RateLimitWindowResult {
  decision: RateLimitDecision;
  /**
   * The state to store. On a rejection the counts are unchanged; only the window may have moved to
   * `now`, which any later call would compute identically.
   */
  state: RateLimitWindowState;
}

export function consumeSlidingWindow(
  stored: RateLimitWindowState | undefined,
  nowMs: number,
  limit: number,
  windowMs: number,
): RateLimitWindowResult {
  assertRateLimitPolicy(limit, windowMs);
  if (!Number.isFinite(nowMs)) throw new RangeError(`now must be a finite number, got ${nowMs}`);
  const now = Math.floor(nowMs);

  const state = rollWindow(stored, now, windowMs);
  // Before the stored window (clock went back): count as its first instant, the strictest point.
  const elapsed = Math.max(now, state.windowStart) - state.windowStart;
  const capacity = limit * windowMs;
  const weightedPrevious = state.previous * (windowMs - elapsed);
  const allowed = weightedPrevious + (state.current + 1) * windowMs <= capacity;
  // Written out rather than spread: a spread copy takes another shape than the literals here, and
  // redefining `current` on it took V8's slow path (about 2,500 instructions per call, callgrind).
  const next = allowed
    ? { windowStart: state.windowStart, current: state.current + 1, previous: state.previous }
    : state;

  const remaining = Math.max(0, Math.floor((capacity - weightedPrevious) / windowMs) - next.current);
  const windowEnd = state.windowStart + windowMs;
  const nextAllowedAt = remaining > 0 ? now : nextAllowedTime(next, limit, windowMs);
  return {
    decision: {
      allowed,
      limit,
      windowMs,
      remaining,
      resetAtMs: remaining > 0 ? windowEnd : nextAllowedAt,
      retryAfterMs: allowed ? 0 : nextAllowedAt - now,
    },
    state: next,
  };
}

/** How long a stored state can still influence a decision: after this it is as good as empty. */
export function windowStateTtlMs(state: RateLimitWindowState, nowMs: number, windowMs: number): number {
  return Math.max(1, state.windowStart + 2 * windowMs - Math.floor(nowMs));
}

/** Moves the state to the window containing `now`; never moves it back. */
function rollWindow(
  stored: RateLimitWindowState | undefined,
  now: number,
  windowMs: number,
): RateLimitWindowState {
  const alignedStart = now - mod(now, windowMs);
  if (stored === undefined || alignedStart >= stored.windowStart + 2 * windowMs) {
    return { windowStart: alignedStart, current: 0, previous: 0 };
  }
  if (alignedStart > stored.windowStart) {
    return { windowStart: alignedStart, current: 0, previous: stored.current };
  }
  return stored;
}

/**
 * The earliest time at which one more request is allowed, given no other traffic: later in this
 * window once the previous window's weight has decayed enough, or else in the next window once this
 * window's count, then weighing as "previous", has decayed enough.
 */
function nextAllowedTime(state: RateLimitWindowState, limit: number, windowMs: number): number {
  const { windowStart, current, previous } = state;
  if (current + 1 <= limit) {
    // previous × (windowMs − e) ≤ (limit − current − 1) × windowMs; previous > 0 here.
    return windowStart + windowMs - Math.floor(((limit - current - 1) * windowMs) / previous);
  }
  // In the next window, `current` becomes the previous count with nothing new yet.
  return windowStart + 2 * windowMs - Math.floor(((limit - 1) * windowMs) / current);
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/** Throws a RangeError unless limit and windowMs are positive integers (what the arithmetic needs). */
export function assertRateLimitPolicy(limit: number, windowMs: number): void {
  assertPositiveInteger(limit, 'limit');
  assertPositiveInteger(windowMs, 'windowMs');
}

function assertPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}
