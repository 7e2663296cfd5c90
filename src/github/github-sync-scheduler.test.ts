import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../infra/clock.js';
import { createGithubSyncScheduler, jitteredDelay, type SchedulerTimers } from './github-sync-scheduler.js';

function fakeTimers() {
  const pending: { callback: () => void; ms: number }[] = [];
  const timers: SchedulerTimers = {
    setTimeout: (callback, ms) => {
      const entry = { callback, ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const index = pending.indexOf(handle as (typeof pending)[number]);
      if (index >= 0) pending.splice(index, 1);
    },
  };
  return { timers, pending };
}

const MINUTE = 60_000;

describe('GitHub sync scheduler', () => {
  it('spreads ticks by ±10 % jitter', () => {
    assert.equal(
      jitteredDelay(10 * MINUTE, () => 0),
      9 * MINUTE,
    );
    assert.equal(
      jitteredDelay(10 * MINUTE, () => 0.5),
      10 * MINUTE,
    );
    assert.equal(
      jitteredDelay(10 * MINUTE, () => 0.999999),
      11 * MINUTE,
    );
  });

  it('syncs projects not synced by any instance within half an interval, then schedules the next tick', async () => {
    const clock = createManualClock();
    const { timers, pending } = fakeTimers();
    const synced: string[] = [];
    const scheduler = createGithubSyncScheduler({
      intervalMs: 10 * MINUTE,
      clock,
      timers,
      random: () => 0.5,
      candidates: async () => [
        { projectId: 'never', lastRunAt: undefined },
        { projectId: 'long-ago', lastRunAt: clock.now() - 6 * MINUTE },
        { projectId: 'just-now', lastRunAt: clock.now() - 4 * MINUTE },
      ],
      sync: async (projectId) => {
        synced.push(projectId);
        if (projectId === 'never') throw new Error('GitHub down');
      },
      onError: () => {},
    });
    scheduler.start();
    assert.deepEqual(
      pending.map((entry) => entry.ms),
      [10 * MINUTE],
    );
    pending.shift()!.callback();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(synced, ['never', 'long-ago'], 'a failing project does not stop the others');
    assert.equal(pending.length, 1, 'the next tick is scheduled');
    await scheduler.stop();
    assert.equal(pending.length, 0);
  });

  it('does nothing when the interval is 0', () => {
    const { timers, pending } = fakeTimers();
    createGithubSyncScheduler({
      intervalMs: 0,
      clock: createManualClock(),
      timers,
      candidates: async () => [],
      sync: async () => {},
      onError: () => {},
    }).start();
    assert.equal(pending.length, 0);
  });
});
