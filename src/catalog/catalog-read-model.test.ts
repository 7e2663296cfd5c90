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
import { ADMIN_CALLER } from '../keys/caller.js';
import { createCatalog } from './catalog.js';
import { createCatalogReadModel } from './catalog-read-model.js';
import { createCatalogRepo } from './catalog-repo.js';

const TTL_MS = 60_000;

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-catalog-'));
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
  const catalog = createCatalog({
    db: database.db,
    bus,
    clock,
    audit: createAuditLog({ db: database.db, clock }),
    cacheTtlMs: TTL_MS,
    flushIntervalMs: 60_000,
    onError: () => {},
  });
  const context = { caller: ADMIN_CALLER, requestId: 'req_test' };
  await catalog.projects.createProject(context, { id: 'trackly', name: 'Trackly' });
  await catalog.versions.createVersion(
    context,
    { projectId: 'trackly', channelId: 'stable' },
    { version: '1.0.0', status: 'published' },
  );
  await catalog.builds.createBuild(
    context,
    { projectId: 'trackly', channelId: 'stable', versionId: '1.0.0' },
    {
      platform: 'windows',
      architecture: 'x64',
      file_name: 'trackly.exe',
      file_size: 10,
      download_url: 'https://cdn.example.com/trackly.exe',
      checksum: { sha256: 'a'.repeat(64) },
    },
  );
  return { database, catalog, clock, bus, context, queries: () => queries };
}

/** Every catalog read, bodies produced as the HTTP layer would. */
async function readEverything(catalog: Awaited<ReturnType<typeof setup>>['catalog']) {
  const caller = ADMIN_CALLER;
  const channel = { projectId: 'trackly', channelId: 'stable' };
  const build = { ...channel, versionId: '1.0.0', buildId: 'windows-x64' };
  const links = { base: 'http://gateway.test', query: '' };
  const reads = await Promise.all([
    catalog.reads.listProjects(caller, { page: 1, per_page: 20 }),
    catalog.reads.project(caller, 'trackly'),
    catalog.reads.listVersions(caller, channel, { page: 1, per_page: 20, sort: 'desc' }),
    catalog.reads.version(caller, { ...channel, versionId: '1.0.0' }, links),
    catalog.reads.latest(caller, channel, links),
    catalog.reads.build(caller, build, links),
  ]);
  await catalog.reads.downloadBuild(caller, build);
  return reads.map((read) => read.produce());
}

describe('catalog read model', () => {
  it('a warm read performs no database query', async (t) => {
    const { catalog, queries } = await setup(t);
    const cold = await readEverything(catalog);
    const before = queries();
    for (let i = 0; i < 50; i++) assert.deepEqual(await readEverything(catalog), cold);
    assert.ok(await catalog.readModel.snapshot('trackly'));
    assert.equal(queries(), before, 'no query for warm reads, downloads included (they are batched)');
  });

  it('an unknown project is answered from the index, without a query', async (t) => {
    const { catalog, queries } = await setup(t);
    await readEverything(catalog);
    const before = queries();
    for (let i = 0; i < 20; i++) {
      await assert.rejects(catalog.reads.project(ADMIN_CALLER, `nope-${i}`), { code: 'PROJECT_NOT_FOUND' });
    }
    assert.equal(queries(), before);
  });

  it('a write replaces the snapshot; a download flush refreshes only the counts', async (t) => {
    const { catalog, context } = await setup(t);
    const first = await catalog.readModel.snapshot('trackly');
    assert.equal(
      await catalog.readModel.snapshot('trackly'),
      first,
      'the same snapshot while nothing changes',
    );

    await catalog.reads.downloadBuild(ADMIN_CALLER, {
      projectId: 'trackly',
      channelId: 'stable',
      versionId: '1.0.0',
      buildId: 'windows-x64',
    });
    await catalog.downloads.flush();
    assert.equal(await catalog.readModel.snapshot('trackly'), first, 'counting downloads keeps the snapshot');
    const state = await catalog.readModel.readState('trackly');
    assert.equal(
      [...state!.counts.values()].reduce((a, b) => a + b, 0),
      1,
    );

    await catalog.projects.updateProject(context, 'trackly', { description: 'changed' });
    const second = await catalog.readModel.snapshot('trackly');
    assert.notEqual(second, first);
    assert.equal(second?.project.description, 'changed');
  });

  it('entries expire after the cache TTL even if an invalidation was missed', async (t) => {
    const { catalog, clock, queries } = await setup(t);
    await readEverything(catalog);
    const before = queries();
    clock.advance(TTL_MS);
    await readEverything(catalog);
    // The expired entries are served at once and reloaded in the background.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(queries() > before, 'reloaded after the TTL');
  });

  it('an expired snapshot is served at once while one reload runs; a failed reload keeps it', async (t) => {
    const { database, clock, catalog, context } = await setup(t);
    const repo = createCatalogRepo(database.db);
    let loads = 0;
    let failNext = false;
    let loaded: () => void = () => {};
    const readModel = createCatalogReadModel({
      repo: {
        ...repo,
        loadProjectRows: async (projectId) => {
          loads += 1;
          try {
            if (failNext) {
              failNext = false;
              throw new Error('database unavailable');
            }
            return await repo.loadProjectRows(projectId);
          } finally {
            loaded();
          }
        },
      },
      // Its own bus: the write below is an invalidation this read model misses.
      bus: createLocalEventBus(),
      clock,
      ttlMs: TTL_MS,
    });
    const nextLoad = () =>
      new Promise<void>((resolve) => {
        loaded = resolve;
      }).then(() => new Promise((resolve) => setImmediate(resolve)));
    const name = async () => (await readModel.snapshot('trackly'))?.project.name;

    assert.equal(await name(), 'Trackly');
    await catalog.projects.updateProject(context, 'trackly', { name: 'Renamed' });
    assert.equal(await name(), 'Trackly', 'the missed invalidation is not seen before the TTL');
    assert.equal(loads, 1);

    clock.advance(TTL_MS);
    let reloaded = nextLoad();
    const served = await Promise.all([name(), name(), name()]);
    assert.deepEqual(served, ['Trackly', 'Trackly', 'Trackly'], 'served at once, without waiting');
    await reloaded;
    assert.equal(loads, 2, 'one reload for concurrent reads');
    assert.equal(await name(), 'Renamed');

    // A reload that fails keeps the value, and is not retried on every read.
    await catalog.projects.updateProject(context, 'trackly', { name: 'Renamed again' });
    clock.advance(TTL_MS);
    failNext = true;
    reloaded = nextLoad();
    assert.equal(await name(), 'Renamed');
    await reloaded;
    assert.equal(await name(), 'Renamed');
    assert.equal(loads, 3);
    clock.advance(5_000);
    reloaded = nextLoad();
    assert.equal(await name(), 'Renamed');
    await reloaded;
    assert.equal(loads, 4);
    assert.equal(await name(), 'Renamed again');
  });

  it('a load that began before an invalidation does not store its stale result', async (t) => {
    const { database, clock, bus, catalog, context } = await setup(t);
    const repo = createCatalogRepo(database.db);
    let gate: Promise<void> | undefined;
    let rowsRead!: () => void;
    const loaded = new Promise<void>((resolve) => {
      rowsRead = resolve;
    });
    const readModel = createCatalogReadModel({
      repo: {
        ...repo,
        loadProjectRows: async (projectId) => {
          const rows = await repo.loadProjectRows(projectId);
          rowsRead();
          if (gate) await gate;
          return rows;
        },
      },
      bus,
      clock,
      ttlMs: TTL_MS,
    });
    await readModel.index();
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const inFlight = readModel.snapshot('trackly');
    await loaded;
    // The write publishes on the shared bus, as the admin service does on every write.
    await catalog.projects.updateProject(context, 'trackly', { name: 'Renamed' });
    release();
    assert.equal((await inFlight)?.project.name, 'Trackly', 'the read that began first sees the old state');
    gate = undefined;
    assert.equal((await readModel.snapshot('trackly'))?.project.name, 'Renamed', 'but it was not cached');
  });
});
