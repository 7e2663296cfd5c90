import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Gives memory back once the gateway goes quiet.
 *
 * V8 grows the young generation to its maximum (2 × 16 MB) while the gateway starts or serves a
 * burst, and shrinks it only during a collection that happens while little is being allocated. A
 * gateway with no traffic allocates next to nothing, so that collection never comes and the memory
 * stays resident. Once per quiet period (an interval in which the event loop was busy less than 1%
 * of the time) the gateway runs one young-generation collection: it takes about a millisecond, and
 * V8 then returns the unused semispaces (about 30 MB after startup). The next busy interval arms it
 * again; under steady traffic it never runs.
 */

/** Event-loop utilisation below which an interval counts as quiet. */
export const QUIET_UTILIZATION = 0.01;

/** Decides, interval by interval, when to collect: the first quiet interval after busy ones. */
export function createIdleTrimDecider(quietBelow = QUIET_UTILIZATION): (utilization: number) => boolean {
  // Starting up is the busiest the gateway gets, so the first quiet interval collects.
  let armed = true;
  return (utilization) => {
    if (utilization >= quietBelow) {
      armed = true;
      return false;
    }
    if (!armed) return false;
    armed = false;
    return true;
  };
}

type Collector = (options: { type: 'minor' | 'major' }) => void;

/**
 * V8's collection function. Node offers it only with `--expose-gc`; setting that flag at runtime
 * exposes it to contexts created afterwards, so it is taken from a fresh context.
 */
export function youngGenerationCollector(): () => void {
  let collect = (globalThis as { gc?: Collector }).gc;
  if (collect === undefined) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as Collector;
  }
  const collector = collect;
  return () => collector({ type: 'minor' });
}

export interface IdleHeapTrim {
  stop(): void;
}

/** Checks every `intervalMs` whether the interval was quiet; `0` turns trimming off. */
export function startIdleHeapTrim(intervalMs: number): IdleHeapTrim {
  if (intervalMs <= 0) return { stop: () => {} };
  const decide = createIdleTrimDecider();
  const collect = youngGenerationCollector();
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const quietness = performance.eventLoopUtilization(now, last);
    last = now;
    if (decide(quietness.utilization)) collect();
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
