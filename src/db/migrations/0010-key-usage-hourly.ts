import type { Kysely } from 'kysely';
import { LATENCY_COLUMNS } from '../../keys/latency-histogram.js';
import { counterType, type DialectName } from '../dialect.js';

/**
 * Usage over time, per key: one row per key per hour (`minutes` 60) with requests, errors, tokens and
 * a histogram of durations, kept 90 days, then rolled up into one row per day (`minutes` 1440). The
 * last 24 hours are also kept by 5 minutes (`minutes` 5) for the last hour's chart, then rolled up
 * into hours.
 * `api_key_model_tokens` holds the AI tokens of the same buckets per model.
 * `key_id` is a key record's id or `admin` (the admin key is not a record), hence no foreign key.
 */
export function keyUsageHourlyMigration(dialect: DialectName) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then
    async up(db: Kysely<any>) {
      let table = db.schema
        .createTable('api_key_usage_buckets')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('minutes', 'integer', (c) => c.notNull())
        .addColumn('requests', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('errors', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('prompt_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('completion_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0));
      for (const column of LATENCY_COLUMNS) {
        table = table.addColumn(column, counterType(dialect), (c) => c.notNull().defaultTo(0));
      }
      await table
        .addPrimaryKeyConstraint('api_key_usage_buckets_pk', ['key_id', 'minutes', 'starts_at'])
        .execute();
      // AI tokens per key and model, in the same buckets.
      await db.schema
        .createTable('api_key_model_tokens')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('minutes', 'integer', (c) => c.notNull())
        .addColumn('prompt_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addColumn('completion_tokens', counterType(dialect), (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('api_key_model_tokens_pk', ['key_id', 'model', 'minutes', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('api_key_model_tokens_time')
        .on('api_key_model_tokens')
        .columns(['minutes', 'starts_at'])
        .execute();
      await db.schema
        .createIndex('api_key_usage_buckets_time')
        .on('api_key_usage_buckets')
        .columns(['minutes', 'starts_at'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('api_key_model_tokens').execute();
      await db.schema.dropTable('api_key_usage_buckets').execute();
    },
  };
}
