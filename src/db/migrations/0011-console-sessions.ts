import type { Kysely } from 'kysely';

/**
 * Console sessions: a signed-in browser holds only the session token (an `HttpOnly` cookie); the
 * table keeps its SHA-256, the key it was opened with (id and the hash of the secret presented, so
 * that the session ends with that secret) and when it ends.
 */
export function consoleSessionsMigration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('console_sessions_expiry')
        .on('console_sessions')
        .column('expires_at')
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('console_sessions').execute();
    },
  };
}
