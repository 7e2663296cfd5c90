import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import { createFlushSchedule } from '../infra/flush-schedule.js';
import type { KeysRepo, UsageDelta } from './keys-repo.js';
import { emptyHistogram, latencyBucketOf } from './latency-histogram.js';

const FIVE_MINUTES_MS = 300_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 5-minute usage is kept this long (the last hour's chart), then rolled up into hours. */
export const FIVE_MINUTE_RETENTION_MS = DAY_MS;
/** Hourly usage is kept this long, then rolled up into days. */
export const HOURLY_RETENTION_MS = 90 * DAY_MS;
const MODEL_NAME_MAX = 200;

export function createKeyUsageTracker(deps: {
  repo: KeysRepo;
  clock: Clock;
  flushIntervalMs: number;
  onError: (error: unknown, context: string) => void;
}) {
  const { repo, clock } = deps;
  /**
   * Unwritten counts by key id, then by the start of their 5-minute bucket. Two levels rather than
   * one joined key: a key's id is the same string on each request and its hash is kept, while a
   * joined `id|start` was a new string hashed on every request (about 2,000 instructions, callgrind).
   */
  let pending = new Map<string, Map<number, UsageDelta>>();

  function pendingDelta(keyId: string, startsAtMs: number): UsageDelta | undefined {
    return pending.get(keyId)?.get(startsAtMs);
  }

  function addPending(delta: UsageDelta, startsAtMs: number): void {
    let buckets = pending.get(delta.keyId);
    if (buckets === undefined) {
      buckets = new Map();
      pending.set(delta.keyId, buckets);
    }
    buckets.set(startsAtMs, delta);
  }

  /** `lastUsedAt` as text, formatted once per second rather than once per request. */
  let lastUsedSecond = Number.NaN;
  let lastUsedText = '';

  function bucket(keyId: string): UsageDelta {
    const nowMs = clock.now();
    const second = Math.floor(nowMs / 1000);
    if (second !== lastUsedSecond) {
      lastUsedSecond = second;
      lastUsedText = isoString(nowMs);
    }
    const now = lastUsedText;
    const startsAtMs = nowMs - (nowMs % FIVE_MINUTES_MS);
    let delta = pendingDelta(keyId, startsAtMs);
    if (delta === undefined) {
      const startsAt = isoString(startsAtMs);
      delta = {
        keyId,
        day: now.slice(0, 10),
        startsAt,
        requests: 0,
        errors: 0,
        promptTokens: 0,
        completionTokens: 0,
        latency: emptyHistogram(),
        models: new Map(),
        lastUsedAt: undefined,
      };
      addPending(delta, startsAtMs);
    }
    delta.lastUsedAt = now;
    schedule.recorded();
    return delta;
  }

  function mergeBack(deltas: UsageDelta[]): void {
    for (const delta of deltas) {
      const startsAtMs = Date.parse(delta.startsAt);
      const current = pendingDelta(delta.keyId, startsAtMs);
      if (current === undefined) {
        addPending(delta, startsAtMs);
        continue;
      }
      current.requests += delta.requests;
      current.errors += delta.errors;
      current.promptTokens += delta.promptTokens;
      current.completionTokens += delta.completionTokens;
      for (let i = 0; i < current.latency.length; i++) current.latency[i]! += delta.latency[i] ?? 0;
      for (const [model, [prompt, completion]] of delta.models) addTokens(current, model, prompt, completion);
      if (current.lastUsedAt === undefined || (delta.lastUsedAt ?? '') > current.lastUsedAt) {
        current.lastUsedAt = delta.lastUsedAt;
      }
    }
  }

  /**
   * 5-minute buckets older than a day become hours, hours older than 90 days become days; checked
   * at most every 5 minutes, after a write.
   */
  let rolledUpAt = Number.NEGATIVE_INFINITY;
  async function rollUp(): Promise<void> {
    const now = clock.now();
    if (now - rolledUpAt < FIVE_MINUTES_MS) return;
    rolledUpAt = now;
    const hourCutoff = now - FIVE_MINUTE_RETENTION_MS;
    await repo.rollUp(5, 60, isoString(hourCutoff - (hourCutoff % HOUR_MS)));
    const dayCutoff = now - HOURLY_RETENTION_MS;
    await repo.rollUp(60, 1440, isoString(dayCutoff - (dayCutoff % DAY_MS)));
  }

  async function write(): Promise<void> {
    if (pending.size > 0) await writePending();
    await rollUp().catch((error: unknown) => deps.onError(error, 'rolling up key usage'));
  }

  async function writePending(): Promise<void> {
    const batch = [...pending.values()].flatMap((buckets) => [...buckets.values()]);
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
    /** One answered request of a key (or of the admin key, id `admin`) and how long it took. */
    recordRequest(keyId: string, failed: boolean, durationMs: number): void {
      const delta = bucket(keyId);
      delta.requests += 1;
      if (failed) delta.errors += 1;
      delta.latency[latencyBucketOf(durationMs)]! += 1;
    },

    /** Token usage of AI calls, attributed to the calling key (and to the model, when known). */
    recordTokens(keyId: string, promptTokens: number, completionTokens: number, model?: string): void {
      const delta = bucket(keyId);
      delta.promptTokens += promptTokens;
      delta.completionTokens += completionTokens;
      if (model !== undefined)
        addTokens(delta, model.slice(0, MODEL_NAME_MAX), promptTokens, completionTokens);
    },

    /** Writes everything counted so far; concurrent calls are serialised. */
    flush: () => schedule.flush(),
    /** Writes when the oldest unwritten count is due (the timer calls it; tests after moving the clock). */
    tick: () => schedule.tick(),
    oldestUnwrittenAgeMs: () => schedule.oldestUnwrittenAgeMs(),
    start: () => schedule.start(),
    stop: () => schedule.stop(),
    /** Unwritten 5-minute counts, one per key and bucket. */
    pendingCount: () => {
      let count = 0;
      for (const buckets of pending.values()) count += buckets.size;
      return count;
    },
  };
}

function addTokens(delta: UsageDelta, model: string, prompt: number, completion: number): void {
  const counts = delta.models.get(model);
  if (counts === undefined) delta.models.set(model, [prompt, completion]);
  else {
    counts[0] += prompt;
    counts[1] += completion;
  }
}

export type KeyUsageTracker = ReturnType<typeof createKeyUsageTracker>;
