import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import { createFlushSchedule } from '../infra/flush-schedule.js';
import type { KeysRepo, UsageDelta } from './keys-repo.js';

export function createKeyUsageTracker(deps: {
  repo: KeysRepo;
  clock: Clock;
  flushIntervalMs: number;
  onError: (error: unknown, context: string) => void;
}) {
  const { repo, clock } = deps;
  let pending = new Map<string, UsageDelta>();

  function bucket(keyId: string): UsageDelta {
    const now = isoString(clock.now());
    const day = now.slice(0, 10);
    const id = `${keyId}|${day}`;
    let delta = pending.get(id);
    if (delta === undefined) {
      delta = {
        keyId,
        day,
        requests: 0,
        errors: 0,
        promptTokens: 0,
        completionTokens: 0,
        lastUsedAt: undefined,
      };
      pending.set(id, delta);
    }
    delta.lastUsedAt = now;
    schedule.recorded();
    return delta;
  }

  function mergeBack(deltas: UsageDelta[]): void {
    for (const delta of deltas) {
      const id = `${delta.keyId}|${delta.day}`;
      const current = pending.get(id);
      if (current === undefined) {
        pending.set(id, delta);
        continue;
      }
      current.requests += delta.requests;
      current.errors += delta.errors;
      current.promptTokens += delta.promptTokens;
      current.completionTokens += delta.completionTokens;
      if (current.lastUsedAt === undefined || (delta.lastUsedAt ?? '') > current.lastUsedAt) {
        current.lastUsedAt = delta.lastUsedAt;
      }
    }
  }

  async function write(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      await repo.addUsage(batch);
    } catch (error) {
      mergeBack(batch);
      deps.onError(error, 'flushing key usage');
      throw error;
    }
  }

  const schedule = createFlushSchedule({ clock, intervalMs: deps.flushIntervalMs, write });

  return {
    recordRequest(keyId: string, failed: boolean): void {
      const delta = bucket(keyId);
      delta.requests += 1;
      if (failed) delta.errors += 1;
    },

    /** Token usage of AI calls, attributed to the calling key. */
    recordTokens(keyId: string, promptTokens: number, completionTokens: number): void {
      const delta = bucket(keyId);
      delta.promptTokens += promptTokens;
      delta.completionTokens += completionTokens;
    },

    /** Writes everything counted so far; concurrent calls are serialised. */
    flush: () => schedule.flush(),
    /** Writes when the oldest unwritten count is due (the timer calls it; tests after moving the clock). */
    tick: () => schedule.tick(),
    oldestUnwrittenAgeMs: () => schedule.oldestUnwrittenAgeMs(),
    start: () => schedule.start(),
    stop: () => schedule.stop(),
    pendingCount: () => pending.size,
  };
}

export type KeyUsageTracker = ReturnType<typeof createKeyUsageTracker>;
