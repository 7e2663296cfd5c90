/**
 * The hot path: once the catalog snapshot is loaded, update checks (JSON, launcher, feeds) touch no
 * database, and a catalog write is visible on the next check.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createDownloadTokens } from '../artifacts/download-tokens.js';
import { createAuditLog } from '../audit/audit-log.js';
import { createCatalog } from '../catalog/catalog.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createManualClock, systemClock } from '../infra/clock.js';
import { createLocalEventBus } from '../infra/event-bus.js';
import { ADMIN_CALLER } from '../keys/caller.js';
import { checkLauncher } from './launcher-check.js';
import { createUpdatesService } from './updates-service.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-updates-'));
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
  const catalog = createCatalog({
    db: database.db,
    bus: createLocalEventBus(),
    clock,
    audit: createAuditLog({ db: database.db, clock }),
    cacheTtlMs: 60_000,
    flushIntervalMs: 60_000,
    onError: () => {},
  });
  const context = { caller: ADMIN_CALLER, requestId: 'req_test' };
  const release = async (version: string) => {
    const channel = { projectId: 'trackly', channelId: 'stable' };
    await catalog.versions.createVersion(context, channel, { version });
    await catalog.builds.createBuild(
      context,
      { ...channel, versionId: version },
      {
        platform: 'windows',
        architecture: 'x64',
        file_name: `trackly-${version}.exe`,
        file_size: 10,
        download_url: `https://cdn.example.com/trackly-${version}.exe`,
        checksum: { sha256: 'a'.repeat(64) },
      },
    );
    await catalog.versions.publishVersion(context, { ...channel, versionId: version });
  };
  await catalog.projects.createProject(context, { id: 'trackly', name: 'Trackly' });
  await release('1.0.0');
  await release('1.1.0');
  const tokens = createDownloadTokens({ secret: 's'.repeat(32), clock: systemClock, ttlMs: 3_600_000 });
  const updates = createUpdatesService({
    readModel: catalog.readModel,
    launcherProjectId: 'launcher',
    tokens,
  });
  return { updates, release, queries: () => queries };
}

const QUERY = { current_version: '1.0.0', platform: 'windows', architecture: 'x64' } as const;
const PARAMS = { projectId: 'trackly', channelId: 'stable' };
const BASE = 'http://gateway.test';

describe('update checks on a warm read model', () => {
  it('touch no database, and see the next catalog write', async (t) => {
    const { updates, release, queries } = await setup(t);
    const everything = async () => {
      const answer = await updates.updateCheck(ADMIN_CALLER, PARAMS, QUERY, 'client-1', BASE);
      const launcher = await checkLauncher(
        updates,
        ADMIN_CALLER,
        {
          client: { launcher_version: '1.0.0', os: 'windows', architecture: 'x64' },
          installed: [
            { project_id: 'trackly', version: '1.0.0' },
            { project_id: 'unknown', version: '1.0.0' },
          ],
        },
        undefined,
        BASE,
      );
      const feed = await updates.feedChannel(ADMIN_CALLER, 'trackly', 'stable');
      return { body: answer.produce() as { latest_version: string }, launcher, feed };
    };

    const cold = await everything();
    assert.equal(cold.body.latest_version, '1.1.0');
    const before = queries();
    for (let i = 0; i < 5; i++) await everything();
    assert.equal(queries(), before, 'warm checks ran no query');

    await release('1.2.0');
    const after = await everything();
    assert.equal(after.body.latest_version, '1.2.0', 'a write replaces the snapshot and every memo');
    assert.equal(after.launcher.project_updates[0]!.latest_version, '1.2.0');
  });

  it('memoises per snapshot: the same answer object path is reused, not recomputed', async (t) => {
    const { updates } = await setup(t);
    const first = await updates.updateCheck(ADMIN_CALLER, PARAMS, QUERY, undefined, BASE);
    const second = await updates.updateCheck(ADMIN_CALLER, PARAMS, QUERY, undefined, BASE);
    assert.equal(first.memo, second.memo, 'one memo per (snapshot, channel, target)');
    assert.equal(first.key, second.key);
  });
});
