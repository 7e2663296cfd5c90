import { type Kysely, sql } from 'kysely';
import { counterType, type DialectName } from '../dialect.js';

export function apiKeysMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_prefix', 'text', (c) => c.notNull())
        .addColumn('previous_key_hash', 'text')
        .addColumn('previous_key_expires_at', 'text')
        .addColumn('permissions', 'text', (c) => c.notNull())
        .addColumn('rate_limit', 'integer')
        .addColumn('allowed_projects', 'text')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      // Names are unique among live keys only: a revoked key's name can be reused.
      await db.schema
        .createIndex('api_keys_live_name')
        .on('api_keys')
        .column('name_lower')
        .unique()
        .where(sql.ref('revoked_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('api_keys_previous_hash')
        .on('api_keys')
        .column('previous_key_hash')
        .execute();

      await db.schema
        .createTable('api_key_usage_daily')
        .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('requests', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('errors', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('prompt_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('completion_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('api_key_usage_daily_pk', ['key_id', 'day'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('api_key_usage_daily').execute();
      await db.schema.dropTable('api_keys').execute();
    },
  };
}
