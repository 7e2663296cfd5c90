/** SQL of the GitHub sync's own tables: per-project state, stored `ETag`s, release mapping, locks. */
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../db/dialect.js';
import type { GithubReleasesTable, GithubSyncStateTable, Tables } from '../db/tables.js';

export type SyncStateRow = Selectable<GithubSyncStateTable>;
export type ReleaseStateRow = Selectable<GithubReleasesTable>;
export interface StoredEtag {
  etag: string;
  nextUrl: string | null;
}

export function githubSyncQueries(db: Kysely<Tables>) {
  return {
    async findState(projectId: string): Promise<SyncStateRow | undefined> {
      return db
        .selectFrom('github_sync_state')
        .selectAll()
        .where('project_id', '=', projectId)
        .executeTakeFirst();
    },

    /** Creates the project's state row or changes the given fields of it. */
    async saveState(
      projectId: string,
      fields: Partial<Omit<SyncStateRow, 'project_id'>> & { repository: string; updated_at: string },
    ): Promise<void> {
      const updated = await db
        .updateTable('github_sync_state')
        .set(fields)
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return;
      try {
        await db
          .insertInto('github_sync_state')
          .values({ project_id: projectId, is_private: 0, ...fields })
          .execute();
      } catch (error) {
        // Another instance created it meanwhile: change it instead.
        if (!isUniqueViolation(error)) throw error;
        await db.updateTable('github_sync_state').set(fields).where('project_id', '=', projectId).execute();
      }
    },

    async loadEtags(projectId: string): Promise<Map<string, StoredEtag>> {
      const rows = await db
        .selectFrom('github_etags')
        .select(['url', 'etag', 'next_url'])
        .where('project_id', '=', projectId)
        .execute();
      return new Map(rows.map((row) => [row.url, { etag: row.etag, nextUrl: row.next_url }]));
    },

    async replaceEtags(projectId: string, etags: Map<string, StoredEtag>, now: string): Promise<void> {
      await db.deleteFrom('github_etags').where('project_id', '=', projectId).execute();
      const rows = [...etags].map(([url, { etag, nextUrl }]) => ({
        project_id: projectId,
        url,
        etag,
        next_url: nextUrl,
        updated_at: now,
      }));
      if (rows.length > 0) await db.insertInto('github_etags').values(rows).execute();
    },

    async listReleaseStates(projectId: string): Promise<ReleaseStateRow[]> {
      return db.selectFrom('github_releases').selectAll().where('project_id', '=', projectId).execute();
    },

    async saveReleaseState(row: ReleaseStateRow): Promise<void> {
      await this.deleteReleaseState(row);
      await db.insertInto('github_releases').values(row).execute();
    },

    async deleteReleaseState(row: Pick<ReleaseStateRow, 'project_id' | 'channel_id' | 'version'>) {
      await db
        .deleteFrom('github_releases')
        .where('project_id', '=', row.project_id)
        .where('channel_id', '=', row.channel_id)
        .where('version', '=', row.version)
        .execute();
    },

    /** Forgets the release mapping (the project now points at another repository). */
    async forgetProject(projectId: string): Promise<void> {
      await db.deleteFrom('github_releases').where('project_id', '=', projectId).execute();
      await db.deleteFrom('github_etags').where('project_id', '=', projectId).execute();
    },

    /** Projects that name a GitHub repository, for the schedule and the webhook. */
    async listRepositoryProjects(): Promise<{ id: string; repository: string }[]> {
      const rows = await db
        .selectFrom('projects')
        .select(['id', 'repository'])
        .where('repository', 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ id: row.id, repository: row.repository! }));
    },

    async lastRuns(): Promise<Map<string, string>> {
      const rows = await db.selectFrom('github_sync_state').select(['project_id', 'last_run_at']).execute();
      return new Map(rows.flatMap((row) => (row.last_run_at ? [[row.project_id, row.last_run_at]] : [])));
    },

    // ---- locks ----

    /** Takes the project's lock, or a lock whose holder let it expire; false when another holds it. */
    async acquireLock(projectId: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
      try {
        await db
          .insertInto('github_sync_locks')
          .values({ project_id: projectId, holder, expires_at: expiresAt })
          .execute();
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      // ISO-8601 UTC text sorts by time, so the comparison is the same on both databases.
      const taken = await db
        .updateTable('github_sync_locks')
        .set({ holder, expires_at: expiresAt })
        .where('project_id', '=', projectId)
        .where('expires_at', '<', now)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) === 1;
    },

    async releaseLock(projectId: string, holder: string): Promise<void> {
      await db
        .deleteFrom('github_sync_locks')
        .where('project_id', '=', projectId)
        .where('holder', '=', holder)
        .execute();
    },
  };
}

export type GithubSyncQueries = ReturnType<typeof githubSyncQueries>;
