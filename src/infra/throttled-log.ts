import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';

/**
 * Logs a failure at most once per interval per context, with the number of occurrences since the
 * last line, so that a dependency that stays down does not flood the log.
 */
export function createThrottledErrorLog(log: FastifyBaseLogger, clock: Clock, intervalMs = 30_000) {
  const state = new Map<string, { lastLoggedAt: number; suppressed: number }>();
  return (error: unknown, context: string) => {
    const now = clock.now();
    const entry = state.get(context);
    if (entry && now - entry.lastLoggedAt < intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    state.set(context, { lastLoggedAt: now, suppressed: 0 });
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ context, error: message, suppressedSinceLastLog: suppressed }, `${context} failed`);
  };
}
