import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Config } from '../../src/app-config.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { databaseBackends } from '../helpers/services.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

/** A DATA_DIR path inside a fresh temp directory, removed after the test. */
function dataDirIn(t: { after: (fn: () => void) => void }): { parent: string; dataDir: string } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-modes-'));
  // A world-readable parent, as /var/lib or ./ are: only DATA_DIR itself is made private.
  fs.chmodSync(parent, 0o755);
  t.after(() => fs.rmSync(parent, { recursive: true, force: true }));
  return { parent, dataDir: path.join(parent, 'data') };
}

describe('file modes of DATA_DIR and the database', async () => {
  for (const { backend, skip } of await databaseBackends()) {
    it(`creates DATA_DIR 0700 (${backend})`, { skip }, async (t) => {
      const { dataDir } = dataDirIn(t);
      const config: Partial<Config> = { dataDir };
      if (backend === 'sqlite') config.database = { kind: 'sqlite', file: path.join(dataDir, 'lunarbit.db') };
      await buildTestApp(t, { backend, config });
      assert.equal(modeOf(dataDir), 0o700);
      for (const name of fs.readdirSync(dataDir, { withFileTypes: true })) {
        if (name.isFile()) assert.equal(modeOf(path.join(dataDir, name.name)), 0o600, name.name);
      }
    });
  }

  it('creates the SQLite database and its -wal and -shm files 0600', async (t) => {
    const { dataDir } = dataDirIn(t);
    const file = path.join(dataDir, 'lunarbit.db');
    const { app } = await buildTestApp(t, { config: { dataDir, database: { kind: 'sqlite', file } } });
    // A write makes sure the WAL exists.
    const created = await app.inject({
      method: 'POST',
      url: '/admin/keys',
      headers: { authorization: `Bearer ${app.gateway.config.apiKeyAdmin}` },
      payload: { name: 'modes', permissions: { canReadProjects: true } },
    });
    assert.equal(created.statusCode, 201);
    for (const suffix of ['', '-wal', '-shm'])
      assert.equal(modeOf(`${file}${suffix}`), 0o600, `lunarbit.db${suffix}`);
  });

  it('tightens a DATA_DIR and database that an older version created 0755/0644', async (t) => {
    const { dataDir } = dataDirIn(t);
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const file = path.join(dataDir, 'lunarbit.db');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    await buildTestApp(t, { config: { dataDir, database: { kind: 'sqlite', file } } });
    assert.equal(modeOf(dataDir), 0o700);
    assert.equal(modeOf(file), 0o600);
  });
});
