import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createIdleTrimDecider, QUIET_UTILIZATION, youngGenerationCollector } from './idle-heap-trim.js';

describe('idle heap trim', () => {
  it('collects on the first quiet interval after busy ones, and once only', () => {
    const decide = createIdleTrimDecider();
    const decisions = [0.5, 0.001, 0, 0.002, 0.3, 0.9, 0.004, 0.005].map(decide);
    assert.deepEqual(decisions, [false, true, false, false, false, false, true, false]);
  });

  it('collects on the first interval after starting when it is quiet', () => {
    const decide = createIdleTrimDecider();
    assert.equal(decide(0), true);
    assert.equal(decide(0), false);
  });

  it('never collects twice without a busy interval between, nor under steady traffic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 200 }),
        (utilizations) => {
          const decide = createIdleTrimDecider();
          let busySinceLastCollection = true;
          for (const utilization of utilizations) {
            const busy = utilization >= QUIET_UTILIZATION;
            const collects = decide(utilization);
            if (busy) assert.equal(collects, false);
            else assert.equal(collects, busySinceLastCollection);
            if (collects) busySinceLastCollection = false;
            if (busy) busySinceLastCollection = true;
          }
        },
      ),
    );
  });

  it('runs a real young-generation collection without --expose-gc', async () => {
    const seen = new Promise<number>((resolve) => {
      const observer = new PerformanceObserver((list) => {
        const minor = list
          .getEntries()
          .find(
            (entry) =>
              (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR,
          );
        if (minor === undefined) return;
        observer.disconnect();
        resolve(minor.duration);
      });
      observer.observe({ entryTypes: ['gc'] });
    });
    youngGenerationCollector()();
    const duration = await seen;
    assert.ok(duration >= 0);
  });
});
