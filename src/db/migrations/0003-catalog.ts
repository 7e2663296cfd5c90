import type { Kysely } from 'kysely';
import { counterType, type DialectName } from '../dialect.js';

/**
 * The release catalog: projects → channels → versions → builds. Child rows are keyed by their
 * parents' ids and cascade on delete, so removing a project or channel removes everything below it.
 */
export function catalogMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('repository', 'text')
        .addColumn('homepage', 'text')
        .addColumn('public_feeds', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('channels')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('auto_update', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('includes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('channels_pk', ['project_id', 'id'])
        .execute();

      await db.schema
        .createTable('versions')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('release_notes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('breaking_changes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('min_supported_version', 'text')
        .addColumn('rollout_percentage', 'integer', (c) => c.notNull().defaultTo(100))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text')
        .addColumn('yanked_at', 'text')
        .addColumn('yank_reason', 'text')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
        .addColumn('edited_fields', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('versions_pk', ['project_id', 'channel_id', 'version'])
        .addForeignKeyConstraint(
          'versions_channel_fk',
          ['project_id', 'channel_id'],
          'channels',
          ['project_id', 'id'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('builds')
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('architecture', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('file_size', counterType(dialect), (c) => c.notNull())
        .addColumn('download_url', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('sha512', 'text')
        .addColumn('md5', 'text')
        .addColumn('signature', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('status_reason', 'text')
        .addColumn('downloads', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('builds_pk', ['project_id', 'channel_id', 'version', 'id'])
        .addForeignKeyConstraint(
          'builds_version_fk',
          ['project_id', 'channel_id', 'version'],
          'versions',
          ['project_id', 'channel_id', 'version'],
          (fk) => fk.onDelete('cascade'),
        )
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('builds').execute();
      await db.schema.dropTable('versions').execute();
      await db.schema.dropTable('channels').execute();
      await db.schema.dropTable('projects').execute();
    },
  };
}
