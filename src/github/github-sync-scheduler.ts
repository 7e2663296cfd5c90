/**
 * The `GITHUB_SYNC_INTERVAL` schedule. Every instance runs one, so each tick is spread by a random
 * ±10 % jitter, and a project is synced only when no instance did so in the last half interval
 * (the last run is stored in the database). The per-project lock makes two instances that still
 * meet skip rather than sync twice. Timers and randomness are injected so tests drive it.
 */
import type { Clock } from '../infra/clock.js';

export interface SchedulerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const JITTER = 0.1;

export const realTimers: SchedulerTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // The schedule never keeps the process alive on its own.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function jitteredDelay(intervalMs: number, random: () => number): number {
  return Math.round(intervalMs * (1 - JITTER + 2 * JITTER * random()));
}

export function createGithubSyncScheduler(deps: {
  intervalMs: number;
  clock: Clock;
  /** Projects that name a repository, with the time (epoch ms) any instance last synced them. */
  candidates(): Promise<{ projectId: string; lastRunAt: number | undefined }[]>;
  sync(projectId: string): Promise<unknown>;
  onError(error: unknown, context: string): void;
  timers?: SchedulerTimers;
  random?: () => number;
}) {
  const timers = deps.timers ?? realTimers;
  const random = deps.random ?? Math.random;
  let handle: unknown;
  let running: Promise<void> | undefined;
  let stopped = true;
  // Set by stop(): a tick in progress finishes its current project and goes no further.
  let closing = false;

  async function tick(): Promise<void> {
    let candidates: Awaited<ReturnType<typeof deps.candidates>> = [];
    try {
      candidates = await deps.candidates();
    } catch (error) {
      deps.onError(error, 'listing projects to sync from GitHub');
    }
    const recent = deps.clock.now() - deps.intervalMs / 2;
    for (const { projectId, lastRunAt } of candidates) {
      if (closing) return;
      if (lastRunAt !== undefined && lastRunAt > recent) continue;
      try {
        await deps.sync(projectId);
      } catch (error) {
        deps.onError(error, `scheduled GitHub sync of ${projectId}`);
      }
    }
  }

  function scheduleNext(): void {
    if (stopped) return;
    handle = timers.setTimeout(
      () => {
        running = tick().finally(() => {
          running = undefined;
          scheduleNext();
        });
      },
      jitteredDelay(deps.intervalMs, random),
    );
  }

  return {
    start(): void {
      if (deps.intervalMs <= 0 || !stopped) return;
      stopped = false;
      closing = false;
      scheduleNext();
    },
    /** Stops the schedule and waits for a tick in progress (its current project finishes). */
    async stop(): Promise<void> {
      stopped = true;
      closing = true;
      if (handle !== undefined) timers.clearTimeout(handle);
      handle = undefined;
      await running;
    },
    /** One pass over the projects, as a timer would run it. */
    tick,
  };
}

export type GithubSyncScheduler = ReturnType<typeof createGithubSyncScheduler>;
