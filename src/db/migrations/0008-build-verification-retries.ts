import type { Kysely } from 'kysely';

/**
 * Verification retries: a check that cannot reach a build's file (DNS, refused, timeout, 5xx…) no
 * longer fails the build; it counts the attempt and schedules the next one with backoff.
 * Builds that earlier versions failed for such reasons are `pending` again (and due at once): only
 * a 404/410, a size or a checksum mismatch, or a missing stored file is evidence against a file.
 */
export function buildVerificationRetriesMigration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('builds')
        .addColumn('verification_attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('builds').addColumn('next_retry_at', 'text').execute();
      await db
        .updateTable('builds')
        .set({ status: 'pending' })
        .where('status', '=', 'failed')
        .where('status_reason', 'is not', null)
        .where((eb) =>
          eb.not(
            eb.or([
              eb('status_reason', 'in', [
                'download URL answered HTTP 404',
                'download URL answered HTTP 410',
                'the stored file is missing',
              ]),
              eb('status_reason', 'like', 'size mismatch:%'),
              eb('status_reason', 'like', 'SHA-256 mismatch:%'),
            ]),
          ),
        )
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('builds').dropColumn('next_retry_at').execute();
      await db.schema.alterTable('builds').dropColumn('verification_attempts').execute();
    },
  };
}
