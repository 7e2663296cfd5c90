import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ApiKeysTable, Tables } from '../db/tables.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface UsageDelta {
  keyId: string;
  day: string;
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

export type KeysRepo = ReturnType<typeof createKeysRepo>;
