import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect.js';
import { withAutoIncrementId } from '../dialect.js';

/**
 * The change log: every event one instance publishes to the others (revocations, key and catalog
 * changes), kept a few minutes so that instances sharing the database hear each other even while
 * Redis is unreachable. Written and read on PostgreSQL, whose clock (`at`) all instances share.
 */
export function changeLogMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await withAutoIncrementId(db.schema.createTable('change_log'), dialect)
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('at', dialect === 'postgres' ? 'timestamptz' : 'text', (c) =>
          c.notNull().defaultTo(dialect === 'postgres' ? sql`now()` : sql`CURRENT_TIMESTAMP`),
        )
        .execute();
      await db.schema.createIndex('change_log_at').on('change_log').column('at').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('change_log').execute();
    },
  };
}
