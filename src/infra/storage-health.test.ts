import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../errors.js';
import { createStorageHealth, storageFaultOf, storageUnavailable } from './storage-health.js';

/** The error `work` throws (real ones, from the kernel and SQLite). */
function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

function sqliteWith(setup: (db: BetterSqlite3.Database) => void) {
  const db = new BetterSqlite3(':memory:');
  db.exec('create table t (x)');
  setup(db);
  return db;
}

describe('storage faults', () => {
  const diskFull = thrownBy(() => fs.writeFileSync('/dev/full', 'x'));
  const sqliteFull = thrownBy(() => {
    const db = sqliteWith((d) => d.pragma(`max_page_count = ${d.pragma('page_count', { simple: true })}`));
    db.prepare('insert into t values (?)').run('x'.repeat(100_000));
  });
  const sqliteReadOnly = thrownBy(() => {
    sqliteWith((d) => d.pragma('query_only = on'))
      .prepare('insert into t values (1)')
      .run();
  });

  it('classifies real disk-full and read-only errors, also as the cause of another error', () => {
    assert.deepEqual(storageFaultOf(diskFull), { check: 'artifact_writes', kind: 'disk_full' });
    assert.deepEqual(storageFaultOf(sqliteFull), { check: 'database_writes', kind: 'disk_full' });
    assert.deepEqual(storageFaultOf(sqliteReadOnly), { check: 'database_writes', kind: 'read_only' });
    assert.deepEqual(storageFaultOf(new Error('wrapped', { cause: sqliteFull })), {
      check: 'database_writes',
      kind: 'disk_full',
    });
  });

  it('leaves every other error alone', () => {
    const unique = thrownBy(() => {
      const db = sqliteWith((d) => d.exec('create unique index u on t (x)'));
      db.prepare('insert into t values (1)').run();
      db.prepare('insert into t values (1)').run();
    });
    const missing = thrownBy(() => fs.readFileSync('/nonexistent/file'));
    for (const error of [unique, missing, new Error('boom'), 'text', undefined]) {
      assert.equal(storageFaultOf(error), undefined);
      assert.equal(storageUnavailable(error), undefined);
    }
    assert.equal(storageUnavailable(new AppError('CONFLICT', 'taken')), undefined);
  });

  it('becomes 503 STORAGE_UNAVAILABLE with Retry-After, keeping the original as its cause', () => {
    const error = storageUnavailable(sqliteFull);
    assert.equal(error?.status, 503);
    assert.equal(error?.code, 'STORAGE_UNAVAILABLE');
    assert.deepEqual(error?.details, { storage: 'database', reason: 'disk_full' });
    assert.deepEqual(error?.headers, { 'retry-after': '30' });
    assert.equal(error?.cause, sqliteFull);
  });

  it('health reports a store from its first failed write until a write to it succeeds', () => {
    const health = createStorageHealth();
    health.failed(new Error('not a storage fault'));
    assert.equal(health.state('artifact_writes'), 'ok');
    health.failed(diskFull);
    assert.equal(health.state('artifact_writes'), 'disk_full');
    assert.equal(health.state('database_writes'), 'ok');
    health.succeeded('database_writes');
    assert.equal(health.state('artifact_writes'), 'disk_full');
    health.succeeded('artifact_writes');
    assert.equal(health.state('artifact_writes'), 'ok');
  });
});
