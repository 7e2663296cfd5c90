import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createAuditLog } from '../audit/audit-log.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createManualClock } from '../infra/clock.js';
import { createLocalEventBus } from '../infra/event-bus.js';
import { ADMIN_CALLER } from './caller.js';
import { createKeyUsageTracker } from './key-usage.js';
import { createKeyVerifier } from './key-verifier.js';
import { createKeysRepo, type KeysRepo } from './keys-repo.js';
import { createKeysService } from './keys-service.js';

const ADMIN = 'admin-key-for-unit-tests-0123456789abcdef';

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  wrapRepo: (repo: KeysRepo) => KeysRepo = (r) => r,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-verifier-'));
  let queries = 0;
  const database = await createDatabase(
    { database: { kind: 'sqlite', file: path.join(dir, 'db.sqlite') } },
    {
      onQuery: () => {
        queries += 1;
      },
    },
  );
  await migrateToLatest(database);
  t.after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = createManualClock();
  const bus = createLocalEventBus();
  const realRepo = createKeysRepo(database.db);
  const repo = wrapRepo(realRepo);
  const verifier = createKeyVerifier({
    repo,
    bus,
    clock,
    config: { adminKey: ADMIN, cacheTtlMs: 30_000, negativeCacheTtlMs: 5_000 },
  });
  const usage = createKeyUsageTracker({ repo: realRepo, clock, flushIntervalMs: 1_000, onError: () => {} });
  const keys = createKeysService({
    repo: realRepo,
    verifier,
    usage,
    audit: createAuditLog({ db: database.db, clock }),
    clock,
    config: { defaultRateLimit: 1000 },
  });
  const context = { caller: ADMIN_CALLER, requestId: 'req_test' };
  return { verifier, keys, clock, context, queries: () => queries };
}

describe('key verifier', () => {
  it('a cached verification performs no database query', async (t) => {
    const { verifier, keys, context, queries } = await setup(t);
    const { key } = await keys.create(context, { name: 'hot', permissions: { canCheckUpdates: true } });
    assert.equal((await verifier.verify(key))?.name, 'hot');
    const before = queries();
    for (let i = 0; i < 100; i++) assert.equal((await verifier.verify(key))?.name, 'hot');
    assert.equal(queries(), before, 'no query for cached verifications');
  });

  it('rejects malformed keys and recognises the admin key without any query', async (t) => {
    const { verifier, queries } = await setup(t);
    const before = queries();
    assert.equal(await verifier.verify('lbapi_nope'), undefined);
    assert.equal(await verifier.verify(`lbapi_${'0'.repeat(32)}ZZZZZZ`), undefined);
    assert.equal((await verifier.verify(ADMIN))?.isAdmin, true);
    assert.equal(queries(), before);
  });

  it('remembers unknown keys briefly, then looks again', async (t) => {
    const { verifier, clock, queries } = await setup(t);
    const { generateApiKey } = await import('./key-format.js');
    const unknown = generateApiKey();
    await verifier.verify(unknown);
    const after = queries();
    await verifier.verify(unknown);
    assert.equal(queries(), after, 'negative cache hit');
    clock.advance(5_001);
    await verifier.verify(unknown);
    assert.equal(queries(), after + 1);
  });

  it('expiry is checked on every verification, also for cached keys', async (t) => {
    const { verifier, keys, context, clock } = await setup(t);
    const { key } = await keys.create(context, { name: 'brief', expiresIn: '1h' });
    assert.ok(await verifier.verify(key));
    clock.advance(3_600_000);
    assert.equal(await verifier.verify(key), undefined);
  });

  it('a lookup that began before a revocation does not write the key back into the cache', async (t) => {
    let gate: Promise<void> | undefined;
    const { verifier, keys, context } = await setup(t, (repo) => ({
      ...repo,
      // Reads the row (as it was before the revocation), then waits until the revocation is done.
      findByHash: async (hash) => {
        const row = await repo.findByHash(hash);
        if (gate) await gate;
        return row;
      },
    }));
    const { key } = await keys.create(context, { name: 'racing' });
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const inFlight = verifier.verify(key);
    await keys.revoke(context, 'racing');
    release();
    assert.equal(
      (await inFlight)?.name,
      'racing',
      'the request that began before the revoke sees the old state',
    );
    gate = undefined;
    assert.equal(await verifier.verify(key), undefined, 'but the stale answer was not cached');
  });
});
