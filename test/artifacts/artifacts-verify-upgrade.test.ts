/** Upgrading to verification retries: builds failed only because a host was unreachable are offered again. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Migrator } from 'kysely';
import { createMigrator } from '../../src/db/migrate.js';
import { databaseBackends, retryOnDroppedSchema } from '../helpers/services.js';
import { verificationApp } from './verify-fixtures.js';

/** Reasons the verifier of earlier versions recorded, and the status each build has after the upgrade. */
const EARLIER_FAILURES = {
  dns: ['unreachable: ENOTFOUND', 'pending'],
  refused: ['unreachable: ECONNREFUSED', 'pending'],
  busy: ['download URL answered HTTP 503', 'pending'],
  forbidden: ['download URL answered HTTP 403', 'pending'],
  private: ['refused: 127.0.0.1 is a private, loopback or link-local address', 'pending'],
  nosize: ['download URL reports no size (HTTP 200)', 'pending'],
  gone: ['download URL answered HTTP 404', 'failed'],
  removed: ['download URL answered HTTP 410', 'failed'],
  size: ['size mismatch: expected 1 bytes, the server reports 2', 'failed'],
  checksum: [`SHA-256 mismatch: the download hashes to ${'0'.repeat(64)}`, 'failed'],
  missing: ['the stored file is missing', 'failed'],
} as const;

/** `migrator.migrateTo`, tried again while a parallel test file's dropped schema gets in its way. */
const migrateTo = (migrator: Migrator, name: string) =>
  retryOnDroppedSchema(
    () => migrator.migrateTo(name),
    (result) => result.error,
  );

for (const { backend, skip } of await databaseBackends()) {
  describe(`build verification upgrade [${backend}]`, { skip }, () => {
    it('turns failures that were no evidence against the file back into pending', async (t) => {
      const { app, addExternal } = await verificationApp(t, backend);
      for (const id of [...Object.keys(EARLIER_FAILURES), 'fine']) await addExternal(id, '/ok.bin');
      const { database } = app.gateway;
      const migrator = createMigrator(database);
      const down = await migrateTo(migrator, '0007-build-min-os-version');
      assert.equal(down.error, undefined);
      for (const [id, [reason]] of Object.entries(EARLIER_FAILURES)) {
        await database.db
          .updateTable('builds')
          .set({ status: 'failed', status_reason: reason })
          .where('id', '=', id)
          .execute();
      }
      await database.db
        .updateTable('builds')
        .set({ status: 'verified', status_reason: 'reachable' })
        .where('id', '=', 'fine')
        .execute();

      const up = await migrateTo(migrator, '0008-build-verification-retries');
      assert.equal(up.error, undefined);
      const rows = await database.db.selectFrom('builds').selectAll().execute();
      const after = Object.fromEntries(rows.map((row) => [row.id, row.status]));
      assert.deepEqual(after, {
        ...Object.fromEntries(Object.entries(EARLIER_FAILURES).map(([id, [, status]]) => [id, status])),
        fine: 'verified',
      });
      for (const row of rows) {
        assert.equal(Number(row.verification_attempts), 0);
        assert.equal(row.next_retry_at, null, 'due at once');
      }
    });
  });
}
