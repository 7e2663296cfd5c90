/**
 * The artifact storage as other domains use it, created before them: the storage `ARTIFACT_STORAGE`
 * names (local disk or an S3-compatible bucket) reporting its writes to `/health`, receiving an
 * uploaded file into it (the catalog's build service), and releasing the files of deleted builds.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { CoreConfig } from '../config.js';
import type { Tables } from '../db/tables.js';
import type { StorageHealth } from '../infra/storage-health.js';
import { createLocalArtifactStorage } from './artifacts-local-storage.js';
import { createArtifactsRepo } from './artifacts-repo.js';
import { type ArtifactStorage, observeWrites } from './artifacts-storage.js';
import { createArtifactUploads } from './artifacts-uploads.js';

/**
 * The storage `ARTIFACT_STORAGE` names. The S3 client is loaded only for S3 storage: a gateway that
 * keeps its files on local disk would hold the AWS SDK's code for nothing (with Octokit, also loaded
 * on first use, 6 to 10 MB of its idle resident memory).
 */
async function createStorage(config: Pick<CoreConfig, 'artifacts' | 'dataDir'>): Promise<ArtifactStorage> {
  const settings = config.artifacts;
  if (settings.storage.kind === 'local')
    return createLocalArtifactStorage(path.join(config.dataDir, 'artifacts'));
  const { createS3ArtifactStorage, createS3Client } = await import('./artifacts-s3-storage.js');
  return createS3ArtifactStorage({
    config: settings.storage,
    client: createS3Client(settings.storage),
    maxUploadBytes: settings.maxUploadBytes,
    linkTtlSeconds: Math.ceil(settings.signedUrlTtlMs / 1000),
  });
}

/** Where uploaded files are kept, as the catalog's build service and deletions use it. */
export async function createArtifactStore(deps: {
  db: Kysely<Tables>;
  config: Pick<CoreConfig, 'artifacts' | 'dataDir'>;
  storageHealth: Pick<StorageHealth, 'failed' | 'succeeded'>;
  onError: (error: unknown, context: string) => void;
}) {
  const storage = observeWrites(await createStorage(deps.config), {
    failed: (error) => deps.storageHealth.failed(error),
    succeeded: () => deps.storageHealth.succeeded('artifact_writes'),
  });
  const repo = createArtifactsRepo(deps.db);
  return {
    storage,
    uploads: createArtifactUploads({ storage, maxUploadBytes: deps.config.artifacts.maxUploadBytes }),
    /**
     * Removes the stored files of deleted builds that no build refers to any more (promoted copies
     * share files). A failure is logged; the periodic sweep removes what is left.
     */
    async releaseFiles(storageKeys: string[]): Promise<void> {
      try {
        const referenced = await repo.referencedStorageKeys(storageKeys);
        for (const key of storageKeys) if (!referenced.has(key)) await storage.delete(key);
      } catch (error) {
        deps.onError(error, 'removing the files of deleted builds');
      }
    },
  };
}

export type ArtifactStore = Awaited<ReturnType<typeof createArtifactStore>>;
