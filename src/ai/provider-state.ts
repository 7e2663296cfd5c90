/**
 * What the router knows about one provider: load, latency, errors, tokens, health, and the
 * cool-down (circuit breaker) that keeps a failing provider out of rotation for a while.
 */
import {
  isFailoverError,
  type ProviderError,
  type ProviderErrorKind,
  type Usage,
} from './providers/provider.js';

export interface CooldownPolicy {
  /** Cool-down after the first failure; doubles with each consecutive failure. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { baseMs: 15_000, maxMs: 300_000 };
/** Weight of the newest sample in the latency moving average. */
const LATENCY_SMOOTHING = 0.3;

export type ProviderState = ReturnType<typeof createProviderState>;

export function createProviderState(policy: CooldownPolicy) {
  const errorsByKind: Partial<Record<ProviderErrorKind, number>> = {};
  const state = {
    inFlight: 0,
    requests: 0,
    successes: 0,
    errors: 0,
    errorsByKind,
    avgLatencyMs: undefined as number | undefined,
    latencySamples: 0,
    latencyTotalMs: 0,
    promptTokens: 0,
    completionTokens: 0,
    consecutiveFailures: 0,
    cooldownUntil: 0,
    /** Result of the last health check; undefined before the first. */
    healthy: undefined as boolean | undefined,
    lastHealthCheckAt: undefined as number | undefined,
    lastError: undefined as { kind: ProviderErrorKind; message: string; at: number } | undefined,

    isAvailable(now: number): boolean {
      return state.healthy !== false && now >= state.cooldownUntil;
    },

    recordLatency(ms: number): void {
      state.latencySamples += 1;
      state.latencyTotalMs += ms;
      state.avgLatencyMs =
        state.avgLatencyMs === undefined
          ? ms
          : state.avgLatencyMs + LATENCY_SMOOTHING * (ms - state.avgLatencyMs);
    },

    recordSuccess(): void {
      state.successes += 1;
      state.consecutiveFailures = 0;
      // A served request is better evidence than a probe.
      state.healthy = true;
    },

    recordUsage(usage: Usage | undefined): void {
      if (!usage) return;
      state.promptTokens += usage.prompt_tokens;
      state.completionTokens += usage.completion_tokens;
    },

    /** Counts the failure; failures that are the provider's fault start or extend its cool-down. */
    recordFailure(error: ProviderError, now: number): void {
      state.errors += 1;
      errorsByKind[error.kind] = (errorsByKind[error.kind] ?? 0) + 1;
      state.lastError = { kind: error.kind, message: error.message, at: now };
      if (!isFailoverError(error)) return;
      state.consecutiveFailures += 1;
      const backoff = policy.baseMs * 2 ** Math.min(state.consecutiveFailures - 1, 20);
      const wait = Math.min(error.retryAfterMs ?? backoff, policy.maxMs);
      state.cooldownUntil = Math.max(state.cooldownUntil, now + wait);
    },
  };
  return state;
}
