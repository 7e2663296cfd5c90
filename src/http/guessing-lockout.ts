import { LRUCache } from 'lru-cache';
import type { Clock } from '../infra/clock.js';
import type { RateLimitDecision } from '../rate-limit/rate-limit-store.js';

/**
 * Client IPs whose unauthenticated budget is spent, until the budget lets one more request through.
 * While an IP is here, every request from it that needs credentials is refused (429) before any key is
 * looked at, the right key included: otherwise a guesser would keep trying and learn the right key from
 * the one answer that is not a 429.
 *
 * Kept in this process, fed by the budget decisions this instance takes (the budget itself may be
 * shared through Redis). An instance that has not yet seen the spent budget learns it from the first
 * failed credential it counts, so several instances let at most one more guess each through per window.
 */
export interface GuessingLockout {
  /** Records a decision of the unauthenticated budget for `ip`. */
  observe(ip: string, decision: RateLimitDecision): void;
  /** The refusal to answer while `ip` is locked out, or undefined. */
  refusalFor(ip: string): RateLimitDecision | undefined;
}

export function createGuessingLockout(clock: Clock, maxIps = 100_000): GuessingLockout {
  // What was decided when the budget ran out; its resetAtMs is when the lock ends.
  const locked = new LRUCache<string, RateLimitDecision>({
    max: maxIps,
    perf: { now: () => clock.now() },
    ttlResolution: 0,
  });
  return {
    observe(ip, decision) {
      if (decision.remaining > 0) return;
      const ttl = decision.resetAtMs - clock.now();
      if (ttl > 0) locked.set(ip, decision, { ttl });
    },
    refusalFor(ip) {
      const decision = locked.get(ip);
      const now = clock.now();
      if (decision === undefined || now >= decision.resetAtMs) return undefined;
      return { ...decision, allowed: false, remaining: 0, retryAfterMs: decision.resetAtMs - now };
    },
  };
}
