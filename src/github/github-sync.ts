/**
 * Synchronises a project's catalog from its GitHub repository's releases.
 *
 * One run: take the project's lock (one instance at a time), honour a rate-limit back-off, read the
 * repository with conditional requests, map the releases, download the attachments of the releases
 * that changed, then write every catalog change, the release mapping, the new `ETag`s and the audit
 * entry in one transaction. Anything GitHub refuses before that transaction leaves the catalog as it
 * was (the last good catalog keeps being served). The read model is dropped only when the catalog
 * changed, so an unchanged repository costs the readers nothing either.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import type { CatalogReadModel } from '../catalog/catalog-read-model.js';
import { createCatalogRepo, type ProjectRow } from '../catalog/catalog-repo.js';
import type { Tables } from '../db/tables.js';
import { AppError } from '../errors.js';
import { type Clock, isoString } from '../infra/clock.js';
import { type Caller, canSeeProject } from '../keys/caller.js';
import { projectNotFound } from '../keys/project-access.js';
import type { Metrics } from '../metrics/metrics.js';
import { type GithubClient, GithubRateLimitError, GithubRequestError } from './github-client.js';
import { mapReleases, type PlannedVersion } from './github-release-mapping.js';
import {
  type ApplyContext,
  applyRelease,
  type ReleaseAttachments,
  yankVanished,
} from './github-sync-apply.js';
import { countingClient, readAttachments, readRepository } from './github-sync-fetch.js';
import { githubSyncQueries, type ReleaseStateRow } from './github-sync-repo.js';
import { emptyReport, type SyncReport, type SyncTrigger } from './github-sync-report.js';

export interface SyncRequest {
  trigger: SyncTrigger;
  /** Who asked: a key name, or the schedule/webhook. */
  actor: string;
  requestId?: string;
}

// A crashed instance's lock is taken over after this long.
const LOCK_TTL_MS = 10 * 60_000;
const versionKey = (channelId: string, version: string) => `${channelId}\u0000${version}`;

export function createGithubSync(deps: {
  db: Kysely<Tables>;
  client: GithubClient;
  readModel: CatalogReadModel;
  audit: AuditLog;
  clock: Clock;
  metrics: Pick<Metrics, 'githubSyncRuns'>;
  prereleaseChannel: string;
}) {
  const { db, client, readModel, audit, clock } = deps;
  const queries = githubSyncQueries(db);
  const catalogRepo = createCatalogRepo(db);
  const instanceId = randomUUID();
  // The rate limit belongs to the token, not to a project: once GitHub refuses, every project waits.
  let rateLimitedUntil = 0;
  const now = () => isoString(clock.now());

  async function syncRepository(
    project: ProjectRow,
    repository: string,
    report: SyncReport,
    request: SyncRequest,
  ) {
    const projectId = project.id;
    const state = await queries.findState(projectId);
    const repositoryChanged = state !== undefined && state.repository !== repository;
    if (repositoryChanged) await queries.forgetProject(projectId);
    const backoff = Math.max(rateLimitedUntil, Date.parse(state?.rate_limited_until ?? '') || 0);
    if (backoff > clock.now()) throw new GithubRateLimitError(backoff);

    const counting = countingClient(client, report);
    const listing = await readRepository(
      counting,
      {
        repository,
        repositoryUrl: client.repositoryUrl(repository),
        releasesUrl: client.releasesUrl(repository),
      },
      repositoryChanged ? new Map() : await queries.loadEtags(projectId),
      state === undefined || repositoryChanged ? undefined : state.is_private === 1,
    );
    if (!listing.changed) {
      report.status = 'unchanged';
      return { isPrivate: state?.is_private === 1, wrote: false };
    }

    const channels = new Set((await catalogRepo.listChannels(projectId)).map((row) => row.id));
    const states = await queries.listReleaseStates(projectId);
    const stateByKey = new Map(states.map((row) => [versionKey(row.channel_id, row.version), row]));
    const changed: { plan: PlannedVersion; state: ReleaseStateRow | undefined }[] = [];
    const mapped = new Set<string>();
    for (const mapping of mapReleases(listing.releases, {
      prereleaseChannel: deps.prereleaseChannel,
      isPrivate: listing.isPrivate,
    })) {
      if (mapping.kind === 'skipped') {
        report.skipped.push({ tag: mapping.tag, reason: mapping.reason });
      } else if (!channels.has(mapping.channelId)) {
        report.skipped.push({
          tag: mapping.tag,
          reason: `channel '${mapping.channelId}' does not exist in this project`,
        });
      } else {
        const key = versionKey(mapping.channelId, mapping.version);
        mapped.add(key);
        const previous = stateByKey.get(key);
        if (previous?.fingerprint === mapping.fingerprint) report.unchanged++;
        else changed.push({ plan: mapping, state: previous });
      }
    }
    const present = new Set(listing.releases.filter((release) => !release.draft).map((r) => String(r.id)));
    const vanished = states.filter((row) => !present.has(row.release_id));
    // Still on GitHub but now another version or channel (retagged, prerelease flag changed): the
    // old version is left as it is and no longer followed.
    const remapped = states.filter(
      (row) => present.has(row.release_id) && !mapped.has(versionKey(row.channel_id, row.version)),
    );

    const attachments: {
      plan: PlannedVersion;
      state: ReleaseStateRow | undefined;
      attachments: ReleaseAttachments;
    }[] = [];
    for (const { plan, state: previous } of changed) {
      report.skipped.push(
        ...plan.skippedAssets.map(({ asset, reason }) => ({ tag: plan.tag, asset, reason })),
      );
      const read = await readAttachments(counting, plan, report);
      // An attachment that could not be read is retried by the next sync.
      const fingerprint = read.complete ? plan.fingerprint : `${plan.fingerprint}:incomplete`;
      attachments.push({ plan: { ...plan, fingerprint }, state: previous, attachments: read.attachments });
    }

    let wrote = false;
    await catalogRepo.transaction(async (tx, trx) => {
      const at = now();
      const context: ApplyContext = { tx, sync: githubSyncQueries(trx), projectId, now: at, report };
      for (const item of attachments) {
        if (await applyRelease(context, item.plan, item.attachments, item.state)) wrote = true;
      }
      for (const row of vanished) if (await yankVanished(context, row)) wrote = true;
      for (const row of remapped) await context.sync.deleteReleaseState(row);
      await context.sync.replaceEtags(projectId, listing.etags, at);
      await audit.record(auditEvent(report, request), trx);
    });
    return { isPrivate: listing.isPrivate, wrote, audited: true };
  }

  function auditEvent(report: SyncReport, request: SyncRequest) {
    return {
      actor: request.actor,
      ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
      action: 'github.synced',
      targetType: 'project',
      targetId: report.project,
      details: {
        trigger: report.trigger,
        status: report.status,
        repository: report.repository,
        added: report.added.map((entry) => `${entry.channel}/${entry.version}`),
        updated: report.updated.map((entry) => `${entry.channel}/${entry.version}`),
        yanked: report.yanked.map((entry) => `${entry.channel}/${entry.version}`),
        skipped: report.skipped.length,
        ...(report.error ? { error: report.error } : {}),
      },
    };
  }

  /** One run for a project that exists and names a repository; never throws for GitHub's failures. */
  async function run(project: ProjectRow, repository: string, request: SyncRequest): Promise<SyncReport> {
    const report = emptyReport(project.id, repository, request.trigger, now());
    const holder = `${instanceId}/${randomUUID()}`;
    const acquired = await queries.acquireLock(
      project.id,
      holder,
      now(),
      isoString(clock.now() + LOCK_TTL_MS),
    );
    if (!acquired) {
      throw new AppError('CONFLICT', `A GitHub sync of project '${project.id}' is already running`, {
        project: project.id,
      });
    }
    let outcome: { isPrivate?: boolean; wrote: boolean; audited?: boolean } = { wrote: false };
    try {
      outcome = await syncRepository(project, repository, report, request);
    } catch (error) {
      if (error instanceof GithubRateLimitError) {
        rateLimitedUntil = Math.max(rateLimitedUntil, error.retryAt);
        report.status = 'rate_limited';
        report.retry_at = isoString(error.retryAt);
      } else if (error instanceof GithubRequestError) {
        report.status = 'failed';
        report.error = error.message;
      } else {
        deps.metrics.githubSyncRuns.inc({ outcome: 'error' });
        throw error;
      }
    } finally {
      await queries.releaseLock(project.id, holder);
    }
    report.finished_at = now();
    deps.metrics.githubSyncRuns.inc({ outcome: report.status });
    const succeeded = report.status === 'synced' || report.status === 'unchanged';
    await queries.saveState(project.id, {
      repository,
      ...(outcome.isPrivate === undefined ? {} : { is_private: outcome.isPrivate ? 1 : 0 }),
      last_run_at: report.finished_at,
      last_status: report.status,
      ...(succeeded ? { last_success_at: report.finished_at } : {}),
      rate_limited_until: report.retry_at ?? null,
      updated_at: report.finished_at,
    });
    if (!outcome.audited) await audit.record(auditEvent(report, request));
    if (outcome.wrote) await readModel.changed([project.id]);
    return report;
  }

  async function projectWithRepository(projectId: string) {
    const project = await catalogRepo.findProject(projectId);
    if (project === undefined) return undefined;
    if (project.repository === null) {
      throw new AppError('INVALID_REQUEST', `Project '${projectId}' has no GitHub repository to sync from`, {
        field: 'repository',
        project: projectId,
      });
    }
    return { project, repository: project.repository };
  }

  return {
    client,
    queries,

    /** `POST /admin/projects/:projectId/sync`: the caller must be allowed to see the project. */
    async syncForCaller(caller: Caller, projectId: string, requestId: string): Promise<SyncReport> {
      const found = canSeeProject(caller, projectId) ? await projectWithRepository(projectId) : undefined;
      if (found === undefined) throw projectNotFound(caller, projectId, [...(await readModel.index()).ids]);
      return run(found.project, found.repository, { trigger: 'manual', actor: caller.name, requestId });
    },

    /** Schedule and webhook runs; undefined when the project is gone or names no repository any more. */
    async syncProject(projectId: string, request: SyncRequest): Promise<SyncReport | undefined> {
      const project = await catalogRepo.findProject(projectId);
      if (project?.repository == null) return undefined;
      return run(project, project.repository, request);
    },
  };
}

export type GithubSync = ReturnType<typeof createGithubSync>;
