/**
 * The frame every catalog write runs in: access check with 404 masking, one transaction holding the
 * change and its audit entry, then the read model dropped here and on every other instance. Admin
 * reads of every version state use the same access check and 404s (`readProject`).
 */
import type { Kysely } from 'kysely';
import type { AuditEvent, AuditLog } from '../audit/audit-log.js';
import type { Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import type { Caller } from '../keys/caller.js';
import { canSeeProject } from '../keys/caller.js';
import { projectNotFound } from '../keys/project-access.js';
import { channelNotFound, versionNotFound } from './catalog-errors.js';
import type { CatalogReadModel } from './catalog-read-model.js';
import type {
  CatalogQueries,
  CatalogRepo,
  ChannelRow,
  ProjectRow,
  VersionKey,
  VersionRow,
} from './catalog-repo.js';
import { normalizeVersion } from './catalog-semver.js';

export interface WriteContext {
  caller: Caller;
  requestId: string;
  /** Absolute base of links in the answer (admin build views); root-relative when absent. */
  linkBase?: string;
}

/** Where a catalog path leads inside one project; the 404 of the first missing level otherwise. */
export interface ProjectLocator {
  project: ProjectRow;
  /** The project's channels; throws CHANNEL_NOT_FOUND unless `channelId` is one of them. */
  channel(channelId: string): Promise<{ channel: ChannelRow; channels: ChannelRow[] }>;
  /** A version of the channel in any state (a leading `v` accepted); CHANNEL_ or VERSION_NOT_FOUND otherwise. */
  version(channelId: string, versionId: string): Promise<{ key: VersionKey; row: VersionRow }>;
}

export interface ProjectTransaction extends ProjectLocator {
  tx: CatalogQueries;
  now: string;
  /** Records the audit entry inside the transaction, attributed to the caller. */
  audit(event: Omit<AuditEvent, 'actor' | 'requestId'>): Promise<void>;
}

/** An admin read: sees drafts and yanked versions, under the same access check and 404s as writes. */
export interface ProjectReadFrame extends ProjectLocator {
  queries: CatalogQueries;
}

function locator(queries: CatalogQueries, project: ProjectRow): ProjectLocator {
  const projectId = project.id;
  const channel = async (channelId: string) => {
    const channels = await queries.listChannels(projectId);
    const found = channels.find((row) => row.id === channelId);
    if (found === undefined) {
      throw channelNotFound(
        projectId,
        channelId,
        channels.map((row) => row.id),
      );
    }
    return { channel: found, channels };
  };
  return {
    project,
    channel,
    async version(channelId, versionId) {
      await channel(channelId);
      const key = { projectId, channelId, version: normalizeVersion(versionId) ?? versionId };
      const row = await queries.findVersion(key);
      if (row === undefined) throw versionNotFound(projectId, channelId, versionId);
      return { key, row };
    },
  };
}

/** Who writes: the authenticated caller of an admin route (the auth hook guarantees one). */
export function writeContext(request: {
  caller: Caller | undefined;
  id: string;
  linkBase: string;
}): WriteContext {
  return { caller: request.caller!, requestId: request.id, linkBase: request.linkBase };
}

const PROJECT_MISSING = Symbol('project missing');

export function createCatalogWriter(deps: {
  repo: CatalogRepo;
  readModel: CatalogReadModel;
  audit: AuditLog;
  clock: Clock;
}) {
  const { repo, readModel, audit, clock } = deps;

  async function notFound(caller: Caller, projectId: string): Promise<never> {
    throw projectNotFound(caller, projectId, [...(await readModel.index()).ids]);
  }

  function auditor(context: WriteContext, trx: Kysely<Tables>) {
    return (event: Omit<AuditEvent, 'actor' | 'requestId'>) =>
      audit.record({ ...event, actor: context.caller.name, requestId: context.requestId }, trx);
  }

  return {
    now: () => isoString(clock.now()),
    auditor,
    /** Drops these projects (and the project index) from the read model of every instance. */
    changed: (projectIds: string[]) => readModel.changed(projectIds),

    /** Runs `work` on an existing project the caller may manage, then drops the project from every read model. */
    async inProject<T>(
      context: WriteContext,
      projectId: string,
      work: (frame: ProjectTransaction) => Promise<T>,
    ): Promise<T> {
      if (!canSeeProject(context.caller, projectId)) return notFound(context.caller, projectId);
      const result = await repo.transaction(async (tx, trx) => {
        const project = await tx.findProject(projectId);
        if (project === undefined) return PROJECT_MISSING;
        const frame: ProjectTransaction = {
          ...locator(tx, project),
          tx,
          now: isoString(clock.now()),
          audit: auditor(context, trx),
        };
        return { value: await work(frame) };
      });
      if (result === PROJECT_MISSING) return notFound(context.caller, projectId);
      await readModel.changed([projectId]);
      return result.value;
    },

    /**
     * Runs `work` on an existing project the caller may manage, reading the database directly (the
     * read model holds published versions only). No transaction, nothing dropped.
     */
    async readProject<T>(
      caller: Caller,
      projectId: string,
      work: (frame: ProjectReadFrame) => Promise<T>,
    ): Promise<T> {
      if (!canSeeProject(caller, projectId)) return notFound(caller, projectId);
      const project = await repo.findProject(projectId);
      if (project === undefined) return notFound(caller, projectId);
      return work({ ...locator(repo, project), queries: repo });
    },
  };
}

export type CatalogWriter = ReturnType<typeof createCatalogWriter>;
