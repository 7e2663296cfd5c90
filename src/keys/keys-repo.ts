import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ApiKeyModelTokensTable, ApiKeysTable, ApiKeyUsageBucketsTable, Tables } from '../db/tables.js';
import { isoString } from '../infra/clock.js';
import { ADMIN_CALLER } from './caller.js';
import { LATENCY_COLUMNS, type LatencyColumn } from './latency-histogram.js';

export type UsageBucketRow = Selectable<ApiKeyUsageBucketsTable>;

type BucketCounts = Omit<ApiKeyUsageBucketsTable, 'key_id' | 'starts_at' | 'minutes'>;
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
  /** A key record's id, or `admin` (counted in the usage series only). */
  keyId: string;
  day: string;
  /** Start of the 5-minute bucket, `2026-02-07T12:05:00Z`. */
  startsAt: string;
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
            starts_at: delta.startsAt,
            minutes: 5,
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
              starts_at: delta.startsAt,
              minutes: 5,
              prompt_tokens: prompt,
              completion_tokens: completion,
            });
          }
          // The admin key has no record: its use is in the usage series only.
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
     * Folds the rows of `from` minutes that start before `cutoff` into rows of `to` minutes (5 → 60,
     * 60 → 1440). The rows are deleted and returned in one statement, so that instances rolling up at
     * once never count a row twice.
     */
    async rollUp(from: number, to: number, cutoff: string): Promise<number> {
      const startOf = (startsAt: string) => {
        const ms = Date.parse(startsAt);
        return isoString(ms - (ms % (to * 60_000)));
      };
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .deleteFrom('api_key_usage_buckets')
          .where('minutes', '=', from)
          .where('starts_at', '<', cutoff)
          .returningAll()
          .execute();
        const merged = new Map<string, Record<string, number | string>>();
        for (const row of rows) {
          const startsAt = startOf(row.starts_at);
          const id = `${row.key_id}|${startsAt}`;
          let bucket = merged.get(id);
          if (bucket === undefined) {
            bucket = { key_id: row.key_id, starts_at: startsAt, minutes: to };
            for (const column of COUNT_COLUMNS) bucket[column] = 0;
            merged.set(id, bucket);
          }
          for (const column of COUNT_COLUMNS) (bucket[column] as number) += Number(row[column]);
        }
        for (const bucket of merged.values()) {
          await addToBucket(trx, bucket as unknown as Insertable<ApiKeyUsageBucketsTable>);
        }
        const modelRows = await trx
          .deleteFrom('api_key_model_tokens')
          .where('minutes', '=', from)
          .where('starts_at', '<', cutoff)
          .returningAll()
          .execute();
        const models = new Map<string, Insertable<ApiKeyModelTokensTable>>();
        for (const row of modelRows) {
          const startsAt = startOf(row.starts_at);
          const id = `${row.key_id}|${row.model}|${startsAt}`;
          const bucket = models.get(id) ?? {
            key_id: row.key_id,
            model: row.model,
            starts_at: startsAt,
            minutes: to,
            prompt_tokens: 0,
            completion_tokens: 0,
          };
          bucket.prompt_tokens = Number(bucket.prompt_tokens) + Number(row.prompt_tokens);
          bucket.completion_tokens = Number(bucket.completion_tokens) + Number(row.completion_tokens);
          models.set(id, bucket);
        }
        for (const bucket of models.values()) await addModelTokens(trx, bucket);
        return rows.length + modelRows.length;
      });
    },

    /** Buckets of every size that start in [from, to), of one key or of every key. */
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
        .columns(['key_id', 'minutes', 'starts_at'])
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
      oc.columns(['key_id', 'model', 'minutes', 'starts_at']).doUpdateSet((eb) => ({
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
