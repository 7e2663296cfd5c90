/**
 * When counters aggregated in memory (key usage, download counts) are written, so that a crash
 * (`kill -9`, power loss) loses a bounded span of them. A `setInterval(write, interval)` does not
 * bound it: a count made just after a write began waits a whole interval for the next one, then that
 * write's own duration, and a busy event loop fires the timer late on top (7 s of counts were lost
 * with a 5 s interval). Here the age of the oldest unwritten count decides, on the injected clock:
 *
 * - a write starts once the oldest unwritten count is half the interval old; the check runs every
 *   tenth of the interval (and on `tick()`, which tests call after moving their clock);
 * - one write at a time: counts made while one runs go in the next, started at the first check after
 *   it ends if they are due by then; a failed write's counts stay due from their original time.
 *
 * So a count is written within `interval / 2 + interval / 10 + 2 × (longest write)` plus the event
 * loop's lag: within the interval whenever a write takes under a fifth of it (1 s of the default 5 s).
 */
import type { Clock } from './clock.js';

export function createFlushSchedule(deps: {
  clock: Clock;
  intervalMs: number;
  /** Takes everything pending synchronously (before its first await) and writes it. */
  write: () => Promise<void>;
}) {
  const { clock, intervalMs } = deps;
  let oldestUnwrittenAt: number | undefined;
  let queued = 0;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  function flush(): Promise<void> {
    queued += 1;
    chain = chain
      .catch(() => {})
      .then(async () => {
        const since = oldestUnwrittenAt;
        oldestUnwrittenAt = undefined;
        try {
          await deps.write();
        } catch (error) {
          if (since !== undefined) oldestUnwrittenAt = Math.min(oldestUnwrittenAt ?? since, since);
          throw error;
        } finally {
          queued -= 1;
        }
      });
    return chain;
  }

  const due = () => oldestUnwrittenAt !== undefined && clock.now() - oldestUnwrittenAt >= intervalMs / 2;

  /** Resolves when the write it started, or the one running, has ended (failed writes included). */
  function tick(): Promise<void> {
    if (queued > 0) return chain.catch(() => {});
    return due() ? flush() : Promise.resolve();
  }

  return {
    /** Call with every count added. */
    recorded(): void {
      oldestUnwrittenAt ??= clock.now();
    },
    /** Writes everything pending now (after the write in progress, if any). */
    flush,
    /** Starts a write when the oldest unwritten count is due and none is running; what the timer calls. */
    tick,
    /** Milliseconds the oldest unwritten count has waited (0 when nothing is pending). */
    oldestUnwrittenAgeMs: () => (oldestUnwrittenAt === undefined ? 0 : clock.now() - oldestUnwrittenAt),
    /** Checks every tenth of the interval. A failed write was reported by `write`; its counts stay due. */
    start(): void {
      timer ??= setInterval(() => tick().catch(() => {}), Math.max(1, Math.floor(intervalMs / 10)));
      timer.unref();
    },
    /** Stops the timer and writes what is pending. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}

export type FlushSchedule = ReturnType<typeof createFlushSchedule>;
