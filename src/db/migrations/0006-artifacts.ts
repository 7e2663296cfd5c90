import type { Kysely } from 'kysely';

/**
 * Uploaded builds and verification: `storage_key` locates a build's file in the artifact storage
 * (null for builds hosted elsewhere), `verified_at` is when the verifier last decided its status.
 * Promoted copies of a build share the key, so files are removed only once no row references them
 * (the index serves that lookup).
 */
export function artifactsMigration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema.alterTable('builds').addColumn('storage_key', 'text').execute();
      await db.schema.alterTable('builds').addColumn('verified_at', 'text').execute();
      await db.schema.createIndex('builds_storage_key_idx').on('builds').column('storage_key').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('builds_storage_key_idx').execute();
      await db.schema.alterTable('builds').dropColumn('verified_at').execute();
      await db.schema.alterTable('builds').dropColumn('storage_key').execute();
    },
  };
}
