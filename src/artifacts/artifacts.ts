/**
 * The artifacts domain as the composition root sees it: storage (local disk or an S3-compatible
 * bucket), download links, uploads on the catalog's build route, and build verification, wired once.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.js';
import { buildNotFound } from '../catalog/catalog-errors.js';
import type { BuildUploads } from '../catalog/catalog-version-admin-routes.js';
import { adminBuild } from '../catalog/catalog-views.js';
import type { WriteContext } from '../catalog/catalog-writer.js';
import type { CoreConfig } from '../config.js';
import type { Tables } from '../db/tables.js';
import { enableMultipart } from '../http/multipart-bodies.js';
import type { Clock } from '../infra/clock.js';
import type { StorageHealth } from '../infra/storage-health.js';
import { createFileServer } from './artifacts-files.js';
import { createLocalArtifactStorage } from './artifacts-local-storage.js';
import { createArtifactsRepo } from './artifacts-repo.js';
import { createS3ArtifactStorage, createS3Client } from './artifacts-s3-storage.js';
import { createUrlSigner, resolveSigningSecret } from './artifacts-signed-urls.js';
import { type ArtifactStorage, observeWrites } from './artifacts-storage.js';
import { UploadFormSchema } from './artifacts-upload-form.js';
import { createUploadService } from './artifacts-upload-service.js';
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
function createStorage(config: Pick<CoreConfig, 'artifacts' | 'dataDir'>): ArtifactStorage {
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

export function createArtifacts(deps: {
  db: Kysely<Tables>;
  catalog: Catalog;
  clock: Clock;
  config: Pick<CoreConfig, 'artifacts' | 'dataDir'>;
  storageHealth: Pick<StorageHealth, 'failed' | 'succeeded'>;
  onError: (error: unknown, context: string) => void;
}) {
  const { catalog, clock, config } = deps;
  const settings = config.artifacts;
  const storage = observeWrites(createStorage(config), {
    failed: (error) => deps.storageHealth.failed(error),
    succeeded: () => deps.storageHealth.succeeded('artifact_writes'),
  });
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
  const uploads = createUploadService({
    writer: catalog.writer,
    storage,
    maxUploadBytes: settings.maxUploadBytes,
    onBuildAdded: (key) => verifier.buildAdded(key),
  });

  const buildUploads: BuildUploads = {
    enable: enableMultipart,
    formSchema: UploadFormSchema,
    isUpload: (request) => request.isMultipart(),
    upload: uploads.upload,
  };

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
    buildUploads,
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
