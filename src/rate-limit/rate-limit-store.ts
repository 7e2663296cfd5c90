import type { RateLimitDecision } from './rate-limit-window.js';

export type { RateLimitDecision } from './rate-limit-window.js';

/**
 * Where sliding-window counters live: in process (one instance) or in Redis (shared by every
 * instance). `consume` counts one request against `key` when it is allowed and never when it is
 * rejected. A key should always be used with the same limit and window (put the rate-limit group in
 * the key); a changed limit applies from the next request, a changed window restarts loosely.
 */
export interface RateLimitStore {
  /** The decision at once when the store holds it in memory, else a promise of it. */
  consume(key: string, limit: number, windowMs: number): RateLimitDecision | Promise<RateLimitDecision>;
  /** Releases what the store owns; connections passed in by the caller stay open. */
  close(): Promise<void>;
}
