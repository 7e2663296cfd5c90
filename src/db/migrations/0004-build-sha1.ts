import type { Kysely } from 'kysely';

/**
 * SHA-1 of a build's file: Squirrel.Windows names every package in its RELEASES file by SHA-1 and
 * refuses a download whose digest differs, so the feed can list only builds whose SHA-1 is known.
 */
export function buildSha1Migration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('builds').addColumn('sha1', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('builds').dropColumn('sha1').execute();
    },
  };
}
