/**
 * How many calls one AI provider takes at once (`AI_PROVIDER_MAX_CONCURRENCY`, or `maxConcurrency`
 * of its providers-file entry). A call beyond it waits in a first-come queue for a bounded time
 * (`AI_QUEUE_TIMEOUT_MS`) and is then refused, so no request waits silently behind whole streams.
 */
import type { CallSignal } from './providers/provider.js';

export const DEFAULT_MAX_CONCURRENCY = 1024;
export const DEFAULT_QUEUE_TIMEOUT_MS = 5_000;

export type ConcurrencyLimit = ReturnType<typeof createConcurrencyLimit>;

export function createConcurrencyLimit(max: number) {
  if (!Number.isInteger(max) || max < 1) throw new Error(`A concurrency limit must be ≥ 1, not ${max}`);
  let active = 0;
  let rejected = 0;
  const waiters: ((granted: boolean) => void)[] = [];

  return {
    max,
    get active() {
      return active;
    },
    /** Calls waiting for a slot now. */
    get queued() {
      return waiters.length;
    },
    /** Calls whose wait ended without a slot (timed out), since start. */
    get rejected() {
      return rejected;
    },
    /** Takes a slot if one is free now; never waits. */
    tryAcquire(): boolean {
      if (active >= max || waiters.length > 0) return false;
      active += 1;
      return true;
    },
    /**
     * Waits up to `timeoutMs` for a slot, in arrival order. Resolves true with the slot taken, false
     * when the time ran out or `signal` aborted first (no slot taken).
     */
    acquire(timeoutMs: number, signal?: CallSignal): Promise<boolean> {
      if (this.tryAcquire()) return Promise.resolve(true);
      if (signal?.aborted || timeoutMs <= 0) {
        if (!signal?.aborted) rejected += 1;
        return Promise.resolve(false);
      }
      return new Promise((resolve) => {
        const settle = (granted: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(granted);
        };
        const leave = () => {
          const index = waiters.indexOf(settle);
          if (index !== -1) waiters.splice(index, 1);
        };
        const timer = setTimeout(() => {
          leave();
          rejected += 1;
          settle(false);
        }, timeoutMs);
        const onAbort = () => {
          leave();
          settle(false);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(settle);
      });
    },
    /** Gives a slot back: to the longest waiting call, else to the pool. */
    release(): void {
      const next = waiters.shift();
      if (next) next(true);
      else active = Math.max(0, active - 1);
    },
  };
}
