/**
 * Build download counters, aggregated in memory and written in batches with additive updates (as
 * key usage is), so the download redirect never waits for the database and several instances can
 * flush concurrently. A failed flush keeps its counts for the next one; the final flush runs on
 * graceful shutdown. After a flush every instance reloads the affected projects' counts. When writes
 * happen, and so what a crash can lose, is `infra/flush-schedule.ts`.
 */
import type { Clock } from '../infra/clock.js';
import { createFlushSchedule } from '../infra/flush-schedule.js';
import type { BuildKey, CatalogRepo, DownloadDelta } from './catalog-repo.js';

export function createDownloadCounter(deps: {
  repo: Pick<CatalogRepo, 'addDownloads'>;
  clock: Clock;
  flushIntervalMs: number;
  onFlushed: (projectIds: string[]) => Promise<void>;
  onError: (error: unknown, context: string) => void;
}) {
  let pending = new Map<string, DownloadDelta>();

  const idOf = (key: BuildKey) =>
    `${key.projectId}\u0000${key.channelId}\u0000${key.version}\u0000${key.buildId}`;

  function add(delta: DownloadDelta): void {
    const id = idOf(delta);
    const current = pending.get(id);
    if (current === undefined) pending.set(id, { ...delta });
    else current.count += delta.count;
  }

  async function write(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      await deps.repo.addDownloads(batch);
    } catch (error) {
      for (const delta of batch) add(delta);
      deps.onError(error, 'flushing download counts');
      throw error;
    }
    await deps.onFlushed([...new Set(batch.map((delta) => delta.projectId))]);
  }

  const schedule = createFlushSchedule({ clock: deps.clock, intervalMs: deps.flushIntervalMs, write });

  return {
    record(key: BuildKey): void {
      add({ ...key, count: 1 });
      schedule.recorded();
    },

    /** Writes everything counted so far; concurrent calls are serialised. */
    flush: () => schedule.flush(),
    /** Writes when the oldest unwritten count is due (the timer calls it; tests after moving the clock). */
    tick: () => schedule.tick(),
    start: () => schedule.start(),
    stop: () => schedule.stop(),
    pendingCount: () => pending.size,
  };
}

export type DownloadCounter = ReturnType<typeof createDownloadCounter>;
