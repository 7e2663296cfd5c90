/**
 * The artifacts domain as the composition root sees it, in two parts. The store — storage (local disk
 * or an S3-compatible bucket), receiving uploaded files, releasing the files of deleted builds — is
 * created first: the catalog's build service stores uploads in it. Download links and build
 * verification, which read the catalog, are wired on top of it.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.js';
import { buildNotFound } from '../catalog/catalog-errors.js';
import { adminBuild } from '../catalog/catalog-views.js';
import type { WriteContext } from '../catalog/catalog-writer.js';
import type { Config } from '../config.js';
import type { Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import type { StorageHealth } from '../infra/storage-health.js';
import { createFileServer } from './artifacts-files.js';
import { createLocalArtifactStorage } from './artifacts-local-storage.js';
import { createArtifactsRepo } from './artifacts-repo.js';
import { createS3ArtifactStorage, createS3Client } from './artifacts-s3-storage.js';
import { createUrlSigner, resolveSigningSecret } from './artifacts-signed-urls.js';
import { type ArtifactStorage, observeWrites } from './artifacts-storage.js';
import { createArtifactUploads } from './artifacts-uploads.js';
import { createUrlChecker } from './artifacts-url-check.js';
import { createBuildVerifier } from './artifacts-verifier.js';
import { createDownloadTokens } from './download-tokens.js';

export interface BuildPath {
  projectId: string;
  channelId: string;
  versionId: string;
  buildId: string;
}

/** The storage `ARTIFACT_STORAGE` names. */
function createStorage(config: Pick<Config, 'artifacts' | 'dataDir'>): ArtifactStorage {
  const settings = config.artifacts;
  if (settings.storage.kind === 'local')
    return createLocalArtifactStorage(path.join(config.dataDir, 'artifacts'));
  return createS3ArtifactStorage({
    config: settings.storage,
    client: createS3Client(settings.storage),
    maxUploadBytes: settings.maxUploadBytes,
    linkTtlSeconds: Math.ceil(settings.signedUrlTtlMs / 1000),
  });
}

/** Where uploaded files are kept, as the catalog's build service and deletions use it. */
export function createArtifactStore(deps: {
  db: Kysely<Tables>;
  config: Pick<Config, 'artifacts' | 'dataDir'>;
  storageHealth: Pick<StorageHealth, 'failed' | 'succeeded'>;
  onError: (error: unknown, context: string) => void;
}) {
  const storage = observeWrites(createStorage(deps.config), {
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

export type ArtifactStore = ReturnType<typeof createArtifactStore>;

export function createArtifacts(deps: {
  db: Kysely<Tables>;
  store: ArtifactStore;
  catalog: Catalog;
  clock: Clock;
  config: Pick<Config, 'artifacts' | 'dataDir'>;
  onError: (error: unknown, context: string) => void;
}) {
  const { catalog, clock, config } = deps;
  const { storage, uploads } = deps.store;
  const settings = config.artifacts;
  const signing = resolveSigningSecret({ signingSecret: settings.signingSecret, dataDir: config.dataDir });
  const signer = createUrlSigner({ secret: signing.secret, clock, ttlMs: settings.signedUrlTtlMs });
  const repo = createArtifactsRepo(deps.db);
  const verifier = createBuildVerifier({
    repo,
    storage,
    urls: createUrlChecker({
      allowPrivate: settings.verify.allowPrivate,
      timeoutMs: settings.verify.timeoutMs,
    }),
    clock,
    config: settings.verify,
    onChanged: (projectIds) => catalog.readModel.changed(projectIds),
    onError: deps.onError,
  });
  return {
    storage,
    /** Where the signing secret came from (`generated` is worth a log line). */
    signingSecretSource: signing.source,
    files: createFileServer({
      readModel: catalog.readModel,
      storage,
      signer,
      clock,
    }),
    /** Tokens that let clients download what a keyed feed offered them without a header. */
    downloadTokens: createDownloadTokens({
      secret: signing.secret,
      clock,
      ttlMs: settings.downloadTokenTtlMs,
    }),
    uploads,
    verifier,
    verification: {
      /** Verifies one build now (access-checked like every catalog write) and returns it. */
      async verifyNow(context: WriteContext, path: BuildPath) {
        const key = await catalog.writer.inProject(context, path.projectId, async (frame) => {
          const { key } = await frame.version(path.channelId, path.versionId);
          const builds = await frame.tx.listBuilds(key);
          if (!builds.some((build) => build.id === path.buildId)) {
            throw buildNotFound(
              key.projectId,
              key.channelId,
              key.version,
              path.buildId,
              builds.map((b) => b.id),
            );
          }
          return { ...key, buildId: path.buildId };
        });
        const row = await verifier.verify(key);
        if (row === undefined)
          throw buildNotFound(key.projectId, key.channelId, key.version, key.buildId, []);
        return adminBuild(row, context.linkBase);
      },
    },
    /**
     * Checks that files can be stored (failing with the problem named when not), removes uploads
     * staged before this process started — a crash's leftovers, since no upload outlives the process
     * that receives it; staging that other instances share is left to the sweep's grace period —
     * then starts verification. Returns how many staged uploads it removed.
     */
    async start(): Promise<number> {
      await storage.checkWritable();
      const removed = storage.sharedStaging
        ? 0
        : await storage.removeStaleStaging(performance.timeOrigin).catch((error: unknown) => {
            deps.onError(error, 'removing staged uploads left by a crash');
            return 0;
          });
      verifier.start();
      return removed;
    },
    /** Stops verification; uploads still running finish or fail on their own connection. */
    stop: () => verifier.stop(),
  };
}

export type Artifacts = ReturnType<typeof createArtifacts>;
