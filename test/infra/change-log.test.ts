import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { createDatabase, dropPgSchema } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createSharedState, type SharedState } from '../../src/infra/shared-state.js';
import { retryOnDroppedSchema, skipUnless, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.js';

const needsServices = (await skipUnless('postgres')) || (await skipUnless('redis'));

/** Two instances' shared state over one fresh PostgreSQL schema, with or without Redis. */
async function twoInstances(t: TestContext, withRedis: boolean) {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const config = {
    redisUrl: withRedis ? TEST_REDIS_URL : undefined,
    redisPrefix: prefix,
    changeLogPollMs: 50,
  };
  const errors: unknown[] = [];
  const instances: { state: SharedState; close: () => Promise<void> }[] = [];
  t.after(async () => {
    for (const instance of instances) await instance.close();
    await dropPgSchema(TEST_DATABASE_URL, schema);
  });
  for (let i = 0; i < 2; i++) {
    const database = await createDatabase(
      { database: { kind: 'postgres', url: TEST_DATABASE_URL, poolSize: 2 } },
      { pgSchema: schema },
    );
    await retryOnDroppedSchema(() => migrateToLatest(database));
    const state = await createSharedState(config, (error) => errors.push(error), database);
    instances.push({
      state,
      close: async () => {
        await state.close();
        await database.close();
      },
    });
    await state.connect();
  }
  return { a: instances[0]!.state, b: instances[1]!.state, errors };
}

/** Resolves once `count` events of `topic` arrived on `bus`, with what arrived. */
function collect(state: SharedState, topic: string) {
  const seen: unknown[] = [];
  state.bus.subscribe(topic, (payload) => seen.push(payload));
  return seen;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the event bus through the change log', { skip: needsServices }, () => {
  it('without Redis, an event published by one instance reaches the other once, and not its publisher twice', async (t) => {
    const { a, b, errors } = await twoInstances(t, false);
    const onA = collect(a, 'keys.invalidated');
    const onB = collect(b, 'keys.invalidated');
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    await a.bus.publish('keys.invalidated', { hashes: ['h1'] });
    await until(() => onB.length > 0);
    // Many more polls, each of which re-reads the last seconds of the log: still one delivery.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(onB, [{ hashes: ['h1'] }]);
    assert.deepEqual(onA, [{ hashes: ['h1'] }], 'the publisher handles its event once, locally');
    assert.deepEqual(errors, []);
  });

  it('with Redis as well, each event is handled once, whichever transport brings it first', async (t) => {
    const { a, b, errors } = await twoInstances(t, true);
    const onB = collect(b, 'catalog.changed');
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    for (let i = 0; i < 5; i++) await a.bus.publish('catalog.changed', { n: i });
    await until(() => onB.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(onB.map((payload) => (payload as { n: number }).n).sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(errors, []);
  });
});
