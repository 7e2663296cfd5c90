/**
 * What `kill -9` loses of the counters kept in memory (key usage, download counts): whatever is not
 * in the database at that moment. With the injected clock the database state after each step is what
 * a kill at that moment would leave; the bound is USAGE_FLUSH_INTERVAL_MS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createManualClock, type ManualClock } from '../../src/infra/clock.js';
import { createProject, publishedVersion } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

const INTERVAL_MS = 5_000;
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/**
 * When the timer's checks come (every 500 ms when idle; up to 2.4 s apart on a loop so busy that
 * they come 1.9 s late) and when, between two checks, a count is made.
 */
function timeline(runs: number): { checkGapMs: number; countAfterMs: number }[] {
  return fc.sample(
    fc.integer({ min: 1, max: 2_400 }).chain((checkGapMs) =>
      fc.record({
        checkGapMs: fc.constant(checkGapMs),
        countAfterMs: fc.integer({ min: 0, max: checkGapMs }),
      }),
    ),
    { seed: SEED, numRuns: runs },
  );
}

/**
 * Counts at random moments while the timer's checks come at random (late) moments; before each
 * check — where a kill could strike — every count older than the interval must be in the database.
 */
async function assertCrashLossWithinInterval(
  clock: ManualClock,
  counter: {
    record(): void;
    tick(): Promise<void>;
    flush(): Promise<void>;
    written(): Promise<number>;
    pendingAgeMs?: () => number;
  },
): Promise<void> {
  const countedAt: number[] = [];
  for (const { checkGapMs, countAfterMs } of timeline(120)) {
    clock.advance(countAfterMs);
    counter.record();
    countedAt.push(clock.now());
    clock.advance(checkGapMs - countAfterMs);
    // A kill now, before the (late) timer checks again, leaves what the database holds.
    const mustBeWritten = countedAt.filter((at) => at <= clock.now() - INTERVAL_MS).length;
    const written = await counter.written();
    assert.ok(
      written >= mustBeWritten,
      `a kill at ${clock.now()} loses ${mustBeWritten - written} counts older than the interval`,
    );
    if (counter.pendingAgeMs) assert.ok(counter.pendingAgeMs() < INTERVAL_MS);
    await counter.tick();
  }
  counter.record();
  countedAt.push(clock.now());
  await counter.tick();
  assert.ok((await counter.written()) < countedAt.length, 'a fresh count waits for a later write');
  await counter.flush();
  assert.equal(await counter.written(), countedAt.length);
}

async function setUp(t: Parameters<typeof buildTestApp>[0], backend: 'sqlite' | 'postgres') {
  const clock = createManualClock();
  const test = await buildTestApp(t, { backend, overrides: { clock } });
  assert.equal(test.config.keys.usageFlushIntervalMs, INTERVAL_MS, 'the documented default');
  return { ...test, clock };
}

describe(`counters lost by a crash stay within USAGE_FLUSH_INTERVAL_MS (seed ${SEED})`, async () => {
  for (const { backend, skip } of await databaseBackends()) {
    it(`key usage [${backend}]`, { skip }, async (t) => {
      const { app, clock } = await setUp(t, backend);
      await createKey(app, { name: 'counted', permissions: { canReadProjects: true } });
      const { id } = await app.gateway.database.db
        .selectFrom('api_keys')
        .select('id')
        .where('name', '=', 'counted')
        .executeTakeFirstOrThrow();
      const usage = app.gateway.usage;
      const written = async () =>
        Number(
          (
            await app.gateway.database.db
              .selectFrom('api_key_usage_daily')
              .select((eb) => eb.fn.sum<number>('requests').as('n'))
              .where('key_id', '=', id)
              .executeTakeFirst()
          )?.n ?? 0,
        );
      await assertCrashLossWithinInterval(clock, {
        record: () => usage.recordRequest(id, false, 1),
        tick: () => usage.tick(),
        flush: () => usage.flush(),
        written,
        pendingAgeMs: () => usage.oldestUnwrittenAgeMs(),
      });
    });

    it(`download counts [${backend}]`, { skip }, async (t) => {
      const { app, clock } = await setUp(t, backend);
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      await publishedVersion(app, 'trackly', 'stable', '1.0.0');
      const build = { projectId: 'trackly', channelId: 'stable', version: '1.0.0', buildId: 'windows-x64' };
      const downloads = app.gateway.catalog.downloads;
      const written = async () =>
        Number(
          (
            await app.gateway.database.db
              .selectFrom('builds')
              .select('downloads')
              .where('project_id', '=', 'trackly')
              .executeTakeFirstOrThrow()
          ).downloads,
        );
      await assertCrashLossWithinInterval(clock, {
        record: () => downloads.record(build),
        tick: () => downloads.tick(),
        flush: () => downloads.flush(),
        written,
      });
    });
  }

  it('a write that failed (read-only database) keeps its counts due from when they were made', async (t) => {
    const { app, clock } = await setUp(t, 'sqlite');
    await createKey(app, { name: 'counted', permissions: { canReadProjects: true } });
    const { id } = await app.gateway.database.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'counted')
      .executeTakeFirstOrThrow();
    const usage = app.gateway.usage;
    usage.recordRequest(id, false, 1);
    await sql`pragma query_only = on`.execute(app.gateway.database.db);
    clock.advance(INTERVAL_MS / 2);
    await assert.rejects(usage.flush(), /readonly/);
    await sql`pragma query_only = off`.execute(app.gateway.database.db);
    assert.equal(usage.oldestUnwrittenAgeMs(), INTERVAL_MS / 2, 'still as old as the count');
    clock.advance(1);
    await usage.tick();
    assert.equal(usage.oldestUnwrittenAgeMs(), 0);
  });
});
