import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';

const HOUR = 3_600_000;

for (const { backend, skip } of await databaseBackends()) {
  describe(`usage over time [${backend}]`, { skip }, () => {
    it('serves per-hour points of requests, errors and latency from the stored buckets', async (t) => {
      const clock = createManualClock(Date.UTC(2026, 1, 7, 12, 30));
      const { app } = await buildTestApp(t, { backend, overrides: { clock, fastLane: false } });
      const key = await createKey(app, { name: 'charted', permissions: { canReadProjects: true } });
      for (let i = 0; i < 3; i++) {
        assert.equal((await app.inject({ url: '/projects', headers: bearer(key) })).statusCode, 200);
      }
      assert.equal((await app.inject({ url: '/projects/nope', headers: bearer(key) })).statusCode, 404);
      await app.gateway.usage.flush();
      const lastHour = (await app.inject({ url: '/admin/usage?range=1h', headers: adminAuth })).json();
      assert.equal(lastHour.step, '5min');
      assert.equal(lastHour.series.t.length, 12);
      assert.equal(lastHour.series.t[11], Date.UTC(2026, 1, 7, 12, 30) / 1000);
      // Four by the key and one by the admin key (the key's creation), all in this 5 minutes.
      assert.equal(lastHour.series.requests[11], 5);
      assert.equal(lastHour.totals.requests, 5);
      clock.advance(2 * HOUR);
      assert.equal((await app.inject({ url: '/projects', headers: bearer(key) })).statusCode, 200);

      const response = await app.inject({ url: '/admin/usage?range=24h', headers: adminAuth });
      assert.equal(response.statusCode, 200, response.body);
      const usage = response.json();
      assert.equal(usage.step, 'hour');
      assert.equal(usage.series.t.length, 24);
      assert.equal(usage.to, '2026-02-07T15:00:00Z');
      assert.equal(usage.series.t[23], Date.UTC(2026, 1, 7, 14) / 1000);
      // Four by the key and two by the admin key (the key's creation, the last hour's read).
      assert.deepEqual(usage.series.requests.slice(-3), [6, 0, 1]);
      assert.deepEqual(usage.series.errors.slice(-3), [1, 0, 0]);
      assert.equal(usage.series.p50_ms[22], null);
      assert.equal(typeof usage.series.p99_ms[21], 'number');
      const charted = usage.keys.find((k: { name: string }) => k.name === 'charted');
      assert.equal(charted.requests, 5);
      assert.equal(charted.errors, 1);
      assert.deepEqual(charted.requests_series.slice(-3), [4, 0, 1]);
      // The admin key's own requests are counted under `admin` (the key creation, the first read).
      const admin = usage.keys.find((k: { key_id: string }) => k.key_id === 'admin');
      assert.ok(admin.requests >= 1);

      const one = await app.inject({
        url: `/admin/usage?range=30d&key_id=${charted.key_id}`,
        headers: adminAuth,
      });
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().step, 'day');
      assert.equal(one.json().totals.requests, 5);
      assert.deepEqual(
        one.json().keys.map((k: { name: string }) => k.name),
        ['charted'],
      );
    });

    it('keeps 5-minute buckets a day, hours 90 days, then days, keeping every count', async (t) => {
      const clock = createManualClock(Date.UTC(2026, 1, 7, 10, 0));
      const { app } = await buildTestApp(t, { backend, overrides: { clock, fastLane: false } });
      const key = await createKey(app, { name: 'old', permissions: { canReadProjects: true } });
      const keyId = (await app.inject({ url: '/admin/keys/old', headers: adminAuth })).json().id;
      for (const [hour, minute] of [
        [10, 0],
        [10, 7],
        [11, 0],
        [15, 0],
      ] as const) {
        clock.set(Date.UTC(2026, 1, 7, hour, minute));
        await app.inject({ url: '/projects', headers: bearer(key) });
        app.gateway.usage.recordTokens(keyId, 2, 1, 'gpt-4o-mini');
        await app.gateway.usage.flush();
      }
      const db = app.gateway.database.db;
      const rowsOf = async () =>
        (
          await db
            .selectFrom('api_key_usage_buckets')
            .select(['minutes', 'starts_at', 'requests'])
            .where('key_id', '=', keyId)
            .orderBy('starts_at')
            .execute()
        ).map((r) => [Number(r.minutes), r.starts_at, Number(r.requests)]);
      assert.deepEqual(await rowsOf(), [
        [5, '2026-02-07T10:00:00Z', 1],
        [5, '2026-02-07T10:05:00Z', 1],
        [5, '2026-02-07T11:00:00Z', 1],
        [5, '2026-02-07T15:00:00Z', 1],
      ]);

      clock.set(Date.UTC(2026, 1, 8, 11, 30)); // a day and a half hour later
      await app.gateway.usage.flush();
      assert.deepEqual(await rowsOf(), [
        [60, '2026-02-07T10:00:00Z', 2],
        [5, '2026-02-07T11:00:00Z', 1],
        [5, '2026-02-07T15:00:00Z', 1],
      ]);
      const day = await app.inject({ url: `/admin/usage?range=24h&key_id=${keyId}`, headers: adminAuth });
      assert.equal(day.json().series.requests.at(-1 - 20), 1, '15:00 is 20 hours before the current hour');
      const week = await app.inject({ url: `/admin/usage?range=7d&key_id=${keyId}`, headers: adminAuth });
      assert.equal(week.json().totals.requests, 4, 'hours and 5-minute buckets add up in one series');

      clock.set(Date.UTC(2026, 4, 9, 12, 0)); // 91 days later
      await app.gateway.usage.flush();
      assert.deepEqual(await rowsOf(), [[1440, '2026-02-07T00:00:00Z', 4]]);
      const models = await db
        .selectFrom('api_key_model_tokens')
        .selectAll()
        .where('key_id', '=', keyId)
        .execute();
      assert.deepEqual(
        models.map((m) => [m.model, Number(m.minutes), Number(m.prompt_tokens), Number(m.completion_tokens)]),
        [['gpt-4o-mini', 1440, 8, 4]],
      );
      const usage = await app.inject({ url: `/admin/usage?range=90d&key_id=${keyId}`, headers: adminAuth });
      assert.equal(usage.json().totals.requests, 0, 'that day is 91 days back, outside the range');
      clock.set(Date.UTC(2026, 4, 7, 12, 0));
      const within = await app.inject({ url: `/admin/usage?range=90d&key_id=${keyId}`, headers: adminAuth });
      assert.equal(within.json().totals.requests, 4);
      assert.equal(within.json().models[0].prompt_tokens, 8);
    });

    it('is for the admin key only', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const key = await createKey(app, { name: 'nosy', permissions: { canCreateKeys: true } });
      const response = await app.inject({ url: '/admin/usage', headers: bearer(key) });
      assert.equal(response.statusCode, 403);
      const bad = await app.inject({ url: '/admin/usage?range=1y', headers: adminAuth });
      assert.equal(bad.statusCode, 400);
    });
  });
}
