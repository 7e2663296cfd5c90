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
      clock.advance(2 * HOUR);
      assert.equal((await app.inject({ url: '/projects', headers: bearer(key) })).statusCode, 200);

      const response = await app.inject({ url: '/admin/usage?range=24h', headers: adminAuth });
      assert.equal(response.statusCode, 200, response.body);
      const usage = response.json();
      assert.equal(usage.step, 'hour');
      assert.equal(usage.series.t.length, 24);
      assert.equal(usage.to, '2026-02-07T15:00:00Z');
      assert.equal(usage.series.t[23], Date.UTC(2026, 1, 7, 14) / 1000);
      // Four by the key and one by the admin key (the key's creation).
      assert.deepEqual(usage.series.requests.slice(-3), [5, 0, 1]);
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

    it('rolls hours older than 90 days up into days, keeping every count', async (t) => {
      const clock = createManualClock(Date.UTC(2026, 1, 7, 10, 0));
      const { app } = await buildTestApp(t, { backend, overrides: { clock, fastLane: false } });
      const key = await createKey(app, { name: 'old', permissions: { canReadProjects: true } });
      const keyId = (await app.inject({ url: '/admin/keys/old', headers: adminAuth })).json().id;
      for (const hour of [0, 1, 5]) {
        clock.set(Date.UTC(2026, 1, 7, 10 + hour, 0));
        await app.inject({ url: '/projects', headers: bearer(key) });
        app.gateway.usage.recordTokens(keyId, 2, 1, 'gpt-4o-mini');
        await app.gateway.usage.flush();
      }
      const db = app.gateway.database.db;
      const rowsOf = () =>
        db
          .selectFrom('api_key_usage_buckets')
          .select(['hours', 'requests'])
          .where('key_id', '=', keyId)
          .execute();
      assert.equal((await rowsOf()).length, 3);

      clock.set(Date.UTC(2026, 4, 9, 12, 0)); // 91 days later
      await app.gateway.usage.flush();
      const rows = await rowsOf();
      assert.deepEqual(
        rows.map((r) => [Number(r.hours), Number(r.requests)]),
        [[24, 3]],
      );
      const models = await db
        .selectFrom('api_key_model_tokens')
        .selectAll()
        .where('key_id', '=', keyId)
        .execute();
      assert.deepEqual(
        models.map((m) => [m.model, Number(m.hours), Number(m.prompt_tokens), Number(m.completion_tokens)]),
        [['gpt-4o-mini', 24, 6, 3]],
      );
      const usage = await app.inject({ url: `/admin/usage?range=90d&key_id=${keyId}`, headers: adminAuth });
      assert.equal(usage.json().totals.requests, 0, 'that day is 91 days back, outside the range');
      clock.set(Date.UTC(2026, 4, 7, 12, 0));
      const within = await app.inject({ url: `/admin/usage?range=90d&key_id=${keyId}`, headers: adminAuth });
      assert.equal(within.json().totals.requests, 3);
      assert.equal(within.json().models[0].prompt_tokens, 6);
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
