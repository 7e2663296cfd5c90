import type { Kysely } from 'kysely';

/**
 * The lowest OS version a build runs on. Sparkle reads it as `sparkle:minimumSystemVersion` and
 * never offers an item to a Mac below it.
 */
export function buildMinOsVersionMigration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('builds').addColumn('min_os_version', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('builds').dropColumn('min_os_version').execute();
    },
  };
}
