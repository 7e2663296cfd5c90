import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ApiKeyModelTokensTable, ApiKeysTable, ApiKeyUsageBucketsTable, Tables } from '../db/tables.js';
import { ADMIN_CALLER } from './caller.js';
import { LATENCY_COLUMNS, type LatencyColumn } from './latency-histogram.js';

export type UsageBucketRow = Selectable<ApiKeyUsageBucketsTable>;

type BucketCounts = Omit<ApiKeyUsageBucketsTable, 'key_id' | 'starts_at' | 'hours'>;
const COUNT_COLUMNS = [
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  ...LATENCY_COLUMNS,
] as const satisfies readonly (keyof BucketCounts)[];

function latencyColumns(histogram: readonly number[]): Record<LatencyColumn, number> {
  return Object.fromEntries(LATENCY_COLUMNS.map((column, i) => [column, histogram[i] ?? 0])) as Record<
    LatencyColumn,
    number
  >;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface UsageDelta {
  /** A key record's id, or `admin` (counted in the hourly series only). */
  keyId: string;
  day: string;
  /** Start of the hour, `2026-02-07T12:00:00Z`. */
  hour: string;
  /** Requests per duration bucket (`latency-histogram.ts`). */
  latency: number[];
  /** AI tokens per model: [prompt, completion]. */
  models: Map<string, [number, number]>;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  lastUsedAt: string | undefined;
}

export function createKeysRepo(db: Kysely<Tables>) {
  return {
    async insert(row: Insertable<ApiKeysTable>): Promise<void> {
      await db.insertInto('api_keys').values(row).execute();
    },

    /** The key whose current or (rotation grace) previous secret has this hash. */
    async findByHash(hash: string): Promise<ApiKeyRow | undefined> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where((eb) => eb.or([eb('key_hash', '=', hash), eb('previous_key_hash', '=', hash)]))
        .executeTakeFirst();
    },

    /** A key that is not revoked, by id only. */
    async findLiveById(id: string): Promise<ApiKeyRow | undefined> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    /** A key that is not revoked, by case-insensitive name or by id. */
    async findLive(nameOrId: string): Promise<ApiKeyRow | undefined> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('name_lower', '=', nameOrId.toLowerCase()), eb('id', '=', nameOrId)]))
        .executeTakeFirst();
    },

    async list(options: { includeRevoked: boolean }): Promise<ApiKeyRow[]> {
      let query = db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
      if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
      return query.execute();
    },

    async update(id: string, patch: Updateable<ApiKeysTable>): Promise<ApiKeyRow | undefined> {
      await db.updateTable('api_keys').set(patch).where('id', '=', id).execute();
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Revokes a live key; false when it was already revoked (by a concurrent request). */
    async revoke(id: string, at: string, by: string): Promise<boolean> {
      const result = await db
        .updateTable('api_keys')
        .set({
          revoked_at: at,
          revoked_by: by,
          updated_at: at,
          previous_key_hash: null,
          previous_key_expires_at: null,
        })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Adds usage counters. Additive upserts, so several instances flushing at once never lose
     * each other's counts; `last_used_at` only moves forward.
     */
    async addUsage(deltas: UsageDelta[]): Promise<void> {
      if (deltas.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const delta of deltas) {
          await addToBucket(trx, {
            key_id: delta.keyId,
            starts_at: delta.hour,
            hours: 1,
            requests: delta.requests,
            errors: delta.errors,
            prompt_tokens: delta.promptTokens,
            completion_tokens: delta.completionTokens,
            ...latencyColumns(delta.latency),
          });
          for (const [model, [prompt, completion]] of delta.models) {
            await addModelTokens(trx, {
              key_id: delta.keyId,
              model,
              starts_at: delta.hour,
              hours: 1,
              prompt_tokens: prompt,
              completion_tokens: completion,
            });
          }
          // The admin key has no record: its use is in the hourly series only.
          if (delta.keyId === ADMIN_CALLER.id) continue;
          await trx
            .insertInto('api_key_usage_daily')
            .values({
              key_id: delta.keyId,
              day: delta.day,
              requests: delta.requests,
              errors: delta.errors,
              prompt_tokens: delta.promptTokens,
              completion_tokens: delta.completionTokens,
            })
            .onConflict((oc) =>
              oc.columns(['key_id', 'day']).doUpdateSet((eb) => ({
                requests: eb('api_key_usage_daily.requests', '+', eb.ref('excluded.requests')),
                errors: eb('api_key_usage_daily.errors', '+', eb.ref('excluded.errors')),
                prompt_tokens: eb('api_key_usage_daily.prompt_tokens', '+', eb.ref('excluded.prompt_tokens')),
                completion_tokens: eb(
                  'api_key_usage_daily.completion_tokens',
                  '+',
                  eb.ref('excluded.completion_tokens'),
                ),
              })),
            )
            .execute();
          if (delta.lastUsedAt !== undefined) {
            await trx
              .updateTable('api_keys')
              .set({ last_used_at: delta.lastUsedAt })
              .where('id', '=', delta.keyId)
              .where((eb) =>
                eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', delta.lastUsedAt!)]),
              )
              .execute();
          }
        }
      });
    },

    /**
     * Folds the hourly rows that start before `cutoff` into one row per key and day. The rows are
     * deleted and returned in one statement, so that instances rolling up at once never count an
     * hour twice.
     */
    async rollUpHoursBefore(cutoff: string): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const hours = await trx
          .deleteFrom('api_key_usage_buckets')
          .where('hours', '=', 1)
          .where('starts_at', '<', cutoff)
          .returningAll()
          .execute();
        const days = new Map<string, Insertable<ApiKeyUsageBucketsTable>>();
        for (const hour of hours) {
          const startsAt = `${hour.starts_at.slice(0, 10)}T00:00:00Z`;
          const id = `${hour.key_id}|${startsAt}`;
          let day = days.get(id) as Record<string, number | string> | undefined;
          if (day === undefined) {
            day = { key_id: hour.key_id, starts_at: startsAt, hours: 24 };
            for (const column of COUNT_COLUMNS) day[column] = 0;
            days.set(id, day as unknown as Insertable<ApiKeyUsageBucketsTable>);
          }
          for (const column of COUNT_COLUMNS) (day[column] as number) += Number(hour[column]);
        }
        for (const day of days.values()) await addToBucket(trx, day);
        const modelHours = await trx
          .deleteFrom('api_key_model_tokens')
          .where('hours', '=', 1)
          .where('starts_at', '<', cutoff)
          .returningAll()
          .execute();
        const modelDays = new Map<string, Insertable<ApiKeyModelTokensTable>>();
        for (const hour of modelHours) {
          const startsAt = `${hour.starts_at.slice(0, 10)}T00:00:00Z`;
          const id = `${hour.key_id}|${hour.model}|${startsAt}`;
          const day = modelDays.get(id) ?? {
            key_id: hour.key_id,
            model: hour.model,
            starts_at: startsAt,
            hours: 24,
            prompt_tokens: 0,
            completion_tokens: 0,
          };
          day.prompt_tokens = Number(day.prompt_tokens) + Number(hour.prompt_tokens);
          day.completion_tokens = Number(day.completion_tokens) + Number(hour.completion_tokens);
          modelDays.set(id, day);
        }
        for (const day of modelDays.values()) await addModelTokens(trx, day);
        return hours.length;
      });
    },

    /** Buckets that start in [from, to), hourly and daily, of one key or of every key. */
    async usageBuckets(query: { from: string; to: string; keyId?: string }): Promise<UsageBucketRow[]> {
      let select = db
        .selectFrom('api_key_usage_buckets')
        .selectAll()
        .where('starts_at', '>=', query.from)
        .where('starts_at', '<', query.to);
      if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
      return select.orderBy('starts_at').execute();
    },

    /** AI tokens per key and model in buckets that start in [from, to). */
    async modelTokens(query: { from: string; to: string; keyId?: string }) {
      let select = db
        .selectFrom('api_key_model_tokens')
        .selectAll()
        .where('starts_at', '>=', query.from)
        .where('starts_at', '<', query.to);
      if (query.keyId !== undefined) select = select.where('key_id', '=', query.keyId);
      return select.execute();
    },

    async usageSince(firstDay: string) {
      return db
        .selectFrom('api_key_usage_daily')
        .selectAll()
        .where('day', '>=', firstDay)
        .orderBy('day')
        .execute();
    },

    async usageTotals() {
      return db
        .selectFrom('api_key_usage_daily')
        .select((eb) => [
          'key_id',
          eb.fn.sum<number>('requests').as('requests'),
          eb.fn.sum<number>('errors').as('errors'),
          eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
          eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
        ])
        .groupBy('key_id')
        .execute();
    },
  };
}

/** Adds counts to a bucket row, creating it when missing (additive, safe from several instances). */
async function addToBucket(
  executor: Kysely<Tables>,
  row: Insertable<ApiKeyUsageBucketsTable>,
): Promise<void> {
  await executor
    .insertInto('api_key_usage_buckets')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['key_id', 'hours', 'starts_at'])
        .doUpdateSet((eb) =>
          Object.fromEntries(
            COUNT_COLUMNS.map((column) => [
              column,
              eb(`api_key_usage_buckets.${column}`, '+', eb.ref(`excluded.${column}`)),
            ]),
          ),
        ),
    )
    .execute();
}

async function addModelTokens(
  executor: Kysely<Tables>,
  row: Insertable<ApiKeyModelTokensTable>,
): Promise<void> {
  await executor
    .insertInto('api_key_model_tokens')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['key_id', 'model', 'hours', 'starts_at']).doUpdateSet((eb) => ({
        prompt_tokens: eb('api_key_model_tokens.prompt_tokens', '+', eb.ref('excluded.prompt_tokens')),
        completion_tokens: eb(
          'api_key_model_tokens.completion_tokens',
          '+',
          eb.ref('excluded.completion_tokens'),
        ),
      })),
    )
    .execute();
}

export type KeysRepo = ReturnType<typeof createKeysRepo>;
