import { LRUCache } from 'lru-cache';
import type { Clock } from '../infra/clock.js';
import type { RateLimitStore } from './rate-limit-store.js';
import { consumeSlidingWindow, type RateLimitWindowState, windowStateTtlMs } from './rate-limit-window.js';

export interface MemoryRateLimitStoreOptions {
  clock: Clock;
  /**
   * Most keys tracked at once. Entries expire once they can no longer influence a decision; beyond
   * this bound (e.g. a flood of distinct client IPs) the least recently used key is forgotten, which
   * can only make the limit more lenient for that key. About 150 bytes per key.
   */
  maxKeys?: number;
}

/** Counters in this process: the default store, and the fallback while Redis is unavailable. */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions): RateLimitStore {
  const { clock } = options;
  const states = new LRUCache<string, RateLimitWindowState>({
    max: options.maxKeys ?? 100_000,
    // Expiry follows the injected clock, so that tests moving time also age the entries.
    perf: { now: () => clock.now() },
    ttlResolution: 0,
  });
  // Reused for every write: the cache reads `ttl` during `set` and keeps nothing of the object.
  const setOptions = { ttl: 0 };
  return {
    // Synchronous: admission (http/admission.ts) then decides without waiting on a promise.
    consume(key, limit, windowMs) {
      const now = clock.now();
      const { decision, state } = consumeSlidingWindow(states.get(key), now, limit, windowMs);
      setOptions.ttl = windowStateTtlMs(state, now, windowMs);
      states.set(key, state, setOptions);
      return decision;
    },
    async close() {
      states.clear();
    },
  };
}
