/**
 * The release catalog as the composition root sees it: one repository, one read model, the
 * download counter, the read service and the admin services, wired once.
 */
import type { Kysely } from 'kysely';
import type { ArtifactUploads } from '../artifacts/artifacts-uploads.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import type { EventBus } from '../infra/event-bus.js';
import { createCatalogAdminService } from './catalog-admin-service.js';
import { createCatalogBuildAdminService } from './catalog-build-admin-service.js';
import { createCatalogReadModel } from './catalog-read-model.js';
import { type BuildKey, createCatalogRepo } from './catalog-repo.js';
import { createCatalogService } from './catalog-service.js';
import { createCatalogVersionAdminReads } from './catalog-version-admin-reads.js';
import { createCatalogVersionAdminService } from './catalog-version-admin-service.js';
import { createCatalogWriter } from './catalog-writer.js';
import { createDownloadCounter } from './download-counter.js';

export function createCatalog(deps: {
  db: Kysely<Tables>;
  bus: EventBus;
  clock: Clock;
  audit: AuditLog;
  /** How long read-model entries live at most (they are dropped sooner on every change). */
  cacheTtlMs: number;
  /** How often download counts are written. */
  flushIntervalMs: number;
  onError: (error: unknown, context: string) => void;
  /** The artifact storage that uploaded builds go to (the build route then takes multipart uploads). */
  uploads?: ArtifactUploads;
  /** Told once a build was added (build verification starts there). */
  onBuildAdded?: (key: BuildKey) => void;
  /** Removes the stored files of deleted builds that no other build refers to. */
  releaseFiles?: (storageKeys: string[]) => Promise<void>;
}) {
  const repo = createCatalogRepo(deps.db);
  const readModel = createCatalogReadModel({
    repo,
    bus: deps.bus,
    clock: deps.clock,
    ttlMs: deps.cacheTtlMs,
  });
  const downloads = createDownloadCounter({
    repo,
    clock: deps.clock,
    flushIntervalMs: deps.flushIntervalMs,
    onFlushed: (projectIds) => readModel.downloadsChanged(projectIds),
    onError: deps.onError,
  });
  const writer = createCatalogWriter({ repo, readModel, audit: deps.audit, clock: deps.clock });
  return {
    readModel,
    downloads,
    reads: createCatalogService({ readModel, downloads }),
    projects: createCatalogAdminService({ repo, writer }),
    versions: createCatalogVersionAdminService({ writer, releaseFiles: deps.releaseFiles }),
    /** Admin reads of versions in every state (drafts included). */
    versionReads: createCatalogVersionAdminReads({ writer }),
    builds: createCatalogBuildAdminService({
      writer,
      uploads: deps.uploads,
      onBuildAdded: deps.onBuildAdded,
    }),
    /** The write frame (access check, transaction, audit, read-model drop) for other domains' catalog writes. */
    writer,
    /** Seconds for `Cache-Control: max-age` of catalog reads. */
    maxAgeSeconds: Math.floor(deps.cacheTtlMs / 1000),
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
