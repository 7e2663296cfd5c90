import type { Kysely } from 'kysely';

/**
 * State of the GitHub Releases synchronisation: per-project status and rate-limit back-off, the
 * `ETag` of every API URL read (conditional requests cost no rate limit), which release each synced
 * version came from, and the lock that lets one instance at a time sync a project. Every row goes
 * with its project (or version) when that is deleted.
 */
export function githubSyncMigration() {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('github_sync_state')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('is_private', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_run_at', 'text')
        .addColumn('last_status', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('rate_limited_until', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('github_etags')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('next_url', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('github_etags_pk', ['project_id', 'url'])
        .execute();

      await db.schema
        .createTable('github_releases')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('release_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('build_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('github_releases_pk', ['project_id', 'channel_id', 'version'])
        .addForeignKeyConstraint(
          'github_releases_version_fk',
          ['project_id', 'channel_id', 'version'],
          'versions',
          ['project_id', 'channel_id', 'version'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('github_sync_locks')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('github_sync_locks').execute();
      await db.schema.dropTable('github_releases').execute();
      await db.schema.dropTable('github_etags').execute();
      await db.schema.dropTable('github_sync_state').execute();
    },
  };
}
