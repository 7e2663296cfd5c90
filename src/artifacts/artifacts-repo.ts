/** The SQL of uploaded files and build verification (the `builds` columns this domain owns). */
import type { Kysely } from 'kysely';
import type { BuildKey, BuildRow } from '../catalog/catalog-repo.js';
import type { Tables } from '../db/tables.js';
import type { VerificationOutcome } from './artifacts-verification-policy.js';

/** What a verification checked: its result applies only if the build still describes that file. */
export type VerifiedFile = Pick<BuildRow, 'sha256' | 'file_size' | 'download_url' | 'storage_key'>;

export function createArtifactsRepo(db: Kysely<Tables>) {
  const whereBuild = (key: BuildKey) =>
    db
      .selectFrom('builds')
      .selectAll()
      .where('project_id', '=', key.projectId)
      .where('channel_id', '=', key.channelId)
      .where('version', '=', key.version)
      .where('id', '=', key.buildId);

  return {
    findBuild: (key: BuildKey): Promise<BuildRow | undefined> => whereBuild(key).executeTakeFirst(),

    /** False when the build is gone or now describes another file (its own verification follows). */
    async recordVerification(
      key: BuildKey,
      file: VerifiedFile,
      outcome: VerificationOutcome,
      now: string,
    ): Promise<boolean> {
      let query = db
        .updateTable('builds')
        .set({
          status: outcome.status,
          status_reason: outcome.reason,
          ...(outcome.decidedAt !== undefined ? { verified_at: outcome.decidedAt } : {}),
          verification_attempts: outcome.attempts,
          next_retry_at: outcome.nextRetryAt,
          updated_at: now,
        })
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .where('id', '=', key.buildId)
        .where('sha256', '=', file.sha256)
        .where('file_size', '=', file.file_size)
        .where('download_url', '=', file.download_url);
      query =
        file.storage_key === null
          ? query.where('storage_key', 'is', null)
          : query.where('storage_key', '=', file.storage_key);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Builds due for a check at `now`: those whose retry time has come, and — when no retry is
     * scheduled — pending ones and those last decided before `staleBefore`.
     */
    async listDue(now: string, staleBefore: string, limit: number): Promise<BuildKey[]> {
      const rows = await db
        .selectFrom('builds')
        .select(['project_id', 'channel_id', 'version', 'id'])
        .where((eb) =>
          eb.or([
            eb('next_retry_at', '<=', now),
            eb.and([
              eb('next_retry_at', 'is', null),
              eb.or([
                eb('status', '=', 'pending'),
                eb('verified_at', 'is', null),
                eb('verified_at', '<', staleBefore),
              ]),
            ]),
          ]),
        )
        .orderBy('next_retry_at')
        .orderBy('verified_at')
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        projectId: row.project_id,
        channelId: row.channel_id,
        version: row.version,
        buildId: row.id,
      }));
    },

    /** The subset of `keys` that some build (an original or a promoted copy) still refers to. */
    async referencedStorageKeys(keys: string[]): Promise<Set<string>> {
      if (keys.length === 0) return new Set();
      const rows = await db
        .selectFrom('builds')
        .select('storage_key')
        .distinct()
        .where('storage_key', 'in', keys)
        .execute();
      return new Set(rows.map((row) => row.storage_key as string));
    },
  };
}

export type ArtifactsRepo = ReturnType<typeof createArtifactsRepo>;
