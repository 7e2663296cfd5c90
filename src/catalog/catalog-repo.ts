import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { BuildsTable, ChannelsTable, ProjectsTable, Tables, VersionsTable } from '../db/tables.js';
import type { ProjectRows } from './catalog-snapshot.js';

export type ProjectRow = Selectable<ProjectsTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type VersionRow = Selectable<VersionsTable>;
export type BuildRow = Selectable<BuildsTable>;

export interface VersionKey {
  projectId: string;
  channelId: string;
  version: string;
}

export interface BuildKey extends VersionKey {
  buildId: string;
}

export interface DownloadDelta extends BuildKey {
  count: number;
}

export interface ProjectSummaryRows {
  projects: ProjectRow[];
  channels: Pick<ChannelRow, 'project_id' | 'id' | 'position'>[];
}

/** Every catalog query, against the database or inside a transaction. */
function catalogQueries(db: Kysely<Tables>) {
  const findProject = (projectId: string): Promise<ProjectRow | undefined> =>
    db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  const listChannels = (projectId: string): Promise<ChannelRow[]> =>
    db.selectFrom('channels').selectAll().where('project_id', '=', projectId).orderBy('position').execute();

  return {
    // ---- read model loads ----

    /** Every project with its channel ids: the project index. */
    async loadProjectSummaries(): Promise<ProjectSummaryRows> {
      const projects = await db
        .selectFrom('projects')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const channels = await db.selectFrom('channels').select(['project_id', 'id', 'position']).execute();
      return { projects, channels };
    },

    /** Everything below one project, for its snapshot; undefined when the project does not exist. */
    async loadProjectRows(projectId: string): Promise<ProjectRows | undefined> {
      const project = await findProject(projectId);
      if (project === undefined) return undefined;
      const channels = await listChannels(projectId);
      const versions = await db
        .selectFrom('versions')
        .selectAll()
        .where('project_id', '=', projectId)
        .execute();
      const builds = await db.selectFrom('builds').selectAll().where('project_id', '=', projectId).execute();
      return { project, channels, versions, builds };
    },

    async loadDownloadCounts(projectId: string) {
      return db
        .selectFrom('builds')
        .select(['channel_id', 'version', 'id', 'downloads'])
        .where('project_id', '=', projectId)
        .execute();
    },

    // ---- projects ----

    findProject,

    async insertProject(row: Insertable<ProjectsTable>): Promise<void> {
      await db.insertInto('projects').values(row).execute();
    },

    async updateProject(projectId: string, patch: Updateable<ProjectsTable>): Promise<void> {
      await db.updateTable('projects').set(patch).where('id', '=', projectId).execute();
    },

    async deleteProject(projectId: string): Promise<void> {
      await db.deleteFrom('projects').where('id', '=', projectId).execute();
    },

    async countPublishedVersions(projectId: string, channelId?: string): Promise<number> {
      let query = db
        .selectFrom('versions')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('project_id', '=', projectId)
        .where('status', '=', 'published');
      if (channelId !== undefined) query = query.where('channel_id', '=', channelId);
      return Number((await query.executeTakeFirstOrThrow()).total);
    },

    // ---- channels ----

    listChannels,

    async insertChannel(row: Insertable<ChannelsTable>): Promise<void> {
      await db.insertInto('channels').values(row).execute();
    },

    async updateChannel(
      projectId: string,
      channelId: string,
      patch: Updateable<ChannelsTable>,
    ): Promise<void> {
      await db
        .updateTable('channels')
        .set(patch)
        .where('project_id', '=', projectId)
        .where('id', '=', channelId)
        .execute();
    },

    async deleteChannel(projectId: string, channelId: string): Promise<void> {
      await db
        .deleteFrom('channels')
        .where('project_id', '=', projectId)
        .where('id', '=', channelId)
        .execute();
    },

    // ---- versions ----

    async findVersion(key: VersionKey): Promise<VersionRow | undefined> {
      return db
        .selectFrom('versions')
        .selectAll()
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .executeTakeFirst();
    },

    async insertVersion(row: Insertable<VersionsTable>): Promise<void> {
      await db.insertInto('versions').values(row).execute();
    },

    async updateVersion(key: VersionKey, patch: Updateable<VersionsTable>): Promise<void> {
      await db
        .updateTable('versions')
        .set(patch)
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .execute();
    },

    /** Every version of a channel in any state (or in `status`), each with its number of builds. */
    async listChannelVersions(
      projectId: string,
      channelId: string,
      status: VersionRow['status'] | undefined,
    ): Promise<{ row: VersionRow; buildCount: number }[]> {
      let query = db
        .selectFrom('versions')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('channel_id', '=', channelId);
      if (status !== undefined) query = query.where('status', '=', status);
      const rows = await query.execute();
      const counts = await db
        .selectFrom('builds')
        .select(['version', (eb) => eb.fn.countAll<number>().as('total')])
        .where('project_id', '=', projectId)
        .where('channel_id', '=', channelId)
        .groupBy('version')
        .execute();
      const countOf = new Map(counts.map((count) => [count.version, Number(count.total)]));
      return rows.map((row) => ({ row, buildCount: countOf.get(row.version) ?? 0 }));
    },

    /** Deletes a version; its builds go with it (the foreign key cascades). */
    async deleteVersion(key: VersionKey): Promise<void> {
      await db
        .deleteFrom('versions')
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .execute();
    },

    // ---- builds ----

    async listBuilds(key: VersionKey): Promise<BuildRow[]> {
      return db
        .selectFrom('builds')
        .selectAll()
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .orderBy('position')
        .execute();
    },

    async insertBuilds(rows: Insertable<BuildsTable>[]): Promise<void> {
      if (rows.length > 0) await db.insertInto('builds').values(rows).execute();
    },

    async updateBuild(key: BuildKey, patch: Updateable<BuildsTable>): Promise<void> {
      await db
        .updateTable('builds')
        .set(patch)
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .where('id', '=', key.buildId)
        .execute();
    },

    /** False when there was no such build. */
    async deleteBuild(key: BuildKey): Promise<boolean> {
      const result = await db
        .deleteFrom('builds')
        .where('project_id', '=', key.projectId)
        .where('channel_id', '=', key.channelId)
        .where('version', '=', key.version)
        .where('id', '=', key.buildId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /**
     * Adds download counts. Additive updates, so several instances flushing at once never lose each
     * other's counts; a build deleted meanwhile simply matches no row.
     */
    async addDownloads(deltas: DownloadDelta[]): Promise<void> {
      if (deltas.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const delta of deltas) {
          await trx
            .updateTable('builds')
            .set((eb) => ({ downloads: eb('downloads', '+', delta.count) }))
            .where('project_id', '=', delta.projectId)
            .where('channel_id', '=', delta.channelId)
            .where('version', '=', delta.version)
            .where('id', '=', delta.buildId)
            .execute();
        }
      });
    },
  };
}

export type CatalogQueries = ReturnType<typeof catalogQueries>;

export function createCatalogRepo(db: Kysely<Tables>) {
  return {
    ...catalogQueries(db),
    /** Runs `work` in one transaction, with queries bound to it and the raw transaction (for the audit log). */
    transaction<T>(work: (tx: CatalogQueries, trx: Kysely<Tables>) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) => work(catalogQueries(trx), trx));
    },
  };
}

export type CatalogRepo = ReturnType<typeof createCatalogRepo>;
