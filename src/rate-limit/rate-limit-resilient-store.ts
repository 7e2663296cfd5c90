import type { Clock } from '../infra/clock.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { RateLimitDecision } from './rate-limit-window.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface ResilientRateLimitStoreOptions {
  /** The shared store (Redis). */
  redisStore: RateLimitStore;
  /** The per-instance store that decides while Redis is failing (memory). */
  localStore: RateLimitStore;
  /** Drives the cool-down; tests inject a manual clock. */
  clock: Clock;
  /**
   * Called on every Redis failure or timeout; the caller throttles logging (infra/throttled-log.ts).
   * The context is always FAILURE_CONTEXT so that a throttled log groups the failures.
   */
  onFailure: (error: unknown, context: string) => void;
  /** Longest wait for Redis per check before deciding locally. Default 100 ms. */
  timeoutMs?: number;
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit keeps Redis untried before one trial check. Default 30 s. */
  coolDownMs?: number;
}

export interface ResilientRateLimitStore extends RateLimitStore {
  /** Decisions taken by the local store (Redis failed, timed out, or the circuit was open). */
  readonly fallbackCount: number;
  /** Redis checks that failed or timed out. */
  readonly redisFailures: number;
  readonly circuitState: CircuitState;
}

export const FAILURE_CONTEXT = 'rate-limit redis store';

export class RateLimitStoreTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis rate-limit check took longer than ${timeoutMs} ms`);
    this.name = 'RateLimitStoreTimeoutError';
  }
}

/**
 * Limits keep working when Redis does not: each check goes to Redis within a bounded time, and on
 * error or timeout the decision comes from this instance's own counters. While Redis is down each
 * instance enforces the limits on its own, so a client spread over n instances may get up to n times
 * the limit; a client served by one instance is limited as usual.
 *
 * After `failureThreshold` consecutive failures the circuit opens: Redis is not tried for
 * `coolDownMs`, so a dead Redis costs nothing per request. Then a single check is let through
 * (half-open; concurrent checks stay local): success closes the circuit, failure opens it again.
 *
 * A timed-out check may still complete in Redis later and count there too; that errs on the strict
 * side. Local counters start empty on a failover (there is no cheap way to warm them).
 */
export function createResilientRateLimitStore(
  options: ResilientRateLimitStoreOptions,
): ResilientRateLimitStore {
  const { redisStore, localStore, clock, onFailure } = options;
  const timeoutMs = options.timeoutMs ?? 100;
  const failureThreshold = options.failureThreshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 30_000;

  let circuitState: CircuitState = 'closed';
  let consecutiveFailures = 0;
  let openedAtMs = 0;
  let trialInFlight = false;
  let fallbackCount = 0;
  let redisFailures = 0;

  function shouldTryRedis(): boolean {
    if (circuitState === 'closed') return true;
    if (circuitState === 'open' && clock.now() - openedAtMs < coolDownMs) return false;
    if (trialInFlight) return false;
    circuitState = 'half-open';
    trialInFlight = true;
    return true;
  }

  function recordSuccess(): void {
    consecutiveFailures = 0;
    circuitState = 'closed';
  }

  function recordFailure(error: unknown): void {
    redisFailures += 1;
    consecutiveFailures += 1;
    if (circuitState === 'half-open' || consecutiveFailures >= failureThreshold) {
      circuitState = 'open';
      openedAtMs = clock.now();
    }
    onFailure(error, FAILURE_CONTEXT);
  }

  async function decideLocally(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    fallbackCount += 1;
    return localStore.consume(key, limit, windowMs);
  }

  return {
    get fallbackCount() {
      return fallbackCount;
    },
    get redisFailures() {
      return redisFailures;
    },
    get circuitState() {
      return circuitState;
    },
    async consume(key, limit, windowMs) {
      if (!shouldTryRedis()) return decideLocally(key, limit, windowMs);
      const isTrial = circuitState === 'half-open';
      try {
        const decision = await withTimeout(
          Promise.resolve(redisStore.consume(key, limit, windowMs)),
          timeoutMs,
        );
        recordSuccess();
        return decision;
      } catch (error) {
        if (error instanceof RangeError) throw error; // a caller bug (bad limit), not a Redis failure
        recordFailure(error);
        return decideLocally(key, limit, windowMs);
      } finally {
        if (isTrial) trialInFlight = false;
      }
    },
    async close() {
      await Promise.all([redisStore.close(), localStore.close()]);
    },
  };
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RateLimitStoreTimeoutError(timeoutMs)), timeoutMs);
  });
  // A check that answers after the timeout is ignored; its rejection must not go unhandled.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
