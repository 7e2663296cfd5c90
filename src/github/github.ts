/**
 * GitHub Releases synchronisation as the composition root sees it: the API client, the sync
 * service, the schedule, webhook-triggered runs in the background, and the download resolver that
 * turns a private repository's API asset URL into a short-lived download URL.
 */
import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import type { CatalogReadModel } from '../catalog/catalog-read-model.js';
import type { CoreConfig } from '../config.js';
import type { Tables } from '../db/tables.js';
import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';
import type { Metrics } from '../metrics/metrics.js';
import { createGithubClient, GithubRateLimitError } from './github-client.js';
import { createGithubSync, type SyncRequest } from './github-sync.js';
import { createGithubSyncScheduler, type SchedulerTimers } from './github-sync-scheduler.js';

export function createGithub(deps: {
  db: Kysely<Tables>;
  config: CoreConfig['github'];
  readModel: CatalogReadModel;
  audit: AuditLog;
  clock: Clock;
  metrics: Pick<Metrics, 'githubSyncRuns'>;
  onError: (error: unknown, context: string) => void;
  timers?: SchedulerTimers;
}) {
  const { config, clock, onError } = deps;
  const client = createGithubClient({ apiUrl: config.apiUrl, token: config.token, clock });
  const sync = createGithubSync({ ...deps, client, prereleaseChannel: config.prereleaseChannel });
  const running = new Set<Promise<unknown>>();

  const scheduler = createGithubSyncScheduler({
    intervalMs: config.syncIntervalMs,
    clock,
    async candidates() {
      const [projects, lastRuns] = await Promise.all([
        sync.queries.listRepositoryProjects(),
        sync.queries.lastRuns(),
      ]);
      return projects.map(({ id }) => {
        const last = lastRuns.get(id);
        return { projectId: id, lastRunAt: last === undefined ? undefined : Date.parse(last) };
      });
    },
    sync: (projectId) => sync.syncProject(projectId, { trigger: 'schedule', actor: 'github-schedule' }),
    onError,
    ...(deps.timers ? { timers: deps.timers } : {}),
  });

  return {
    sync,
    scheduler,
    webhookSecret: config.webhookSecret,

    /** Projects whose `repository` is this `owner/name` (GitHub compares names case-insensitively). */
    async projectsOfRepository(fullName: string): Promise<string[]> {
      const wanted = fullName.toLowerCase();
      const projects = await sync.queries.listRepositoryProjects();
      return projects.filter((project) => project.repository.toLowerCase() === wanted).map((p) => p.id);
    },

    /** Starts syncs without waiting for them (a webhook must be answered within seconds). */
    syncInBackground(projectIds: string[], request: SyncRequest): void {
      for (const projectId of projectIds) {
        const run = sync
          .syncProject(projectId, request)
          .catch((error: unknown) => {
            // Another instance (or run) already syncing the project is the outcome wanted anyway.
            if (!(error instanceof AppError && error.code === 'CONFLICT')) {
              onError(error, `GitHub sync of ${projectId} (${request.trigger})`);
            }
          })
          .finally(() => running.delete(run));
        running.add(run);
      }
    },

    /** Resolves when every background sync started so far has finished. */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },

    /**
     * The URL to send a downloader to for a build's stored `download_url`: a private repository's
     * API asset URL becomes GitHub's short-lived signed URL; anything else is not ours (undefined).
     */
    async resolveDownload(url: string): Promise<string | undefined> {
      if (!client.isAssetApiUrl(url)) return undefined;
      try {
        return await client.assetDownloadLocation(url);
      } catch (error) {
        const retryAfter =
          error instanceof GithubRateLimitError
            ? { headers: { 'retry-after': String(Math.ceil((error.retryAt - clock.now()) / 1000)) } }
            : undefined;
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The file is on GitHub, which cannot hand it out right now',
          undefined,
          { ...retryAfter, cause: error },
        );
      }
    },

    start(): void {
      scheduler.start();
    },

    async stop(): Promise<void> {
      await scheduler.stop();
      await this.idle();
    },
  };
}

export type Github = ReturnType<typeof createGithub>;
