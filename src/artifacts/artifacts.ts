/**
 * The artifacts domain as the composition root sees it: download links and build verification, which
 * read the catalog, wired on top of the artifact store (`artifacts-store.ts`: storage, uploads,
 * releasing files), which the catalog's build service uses and which is created before the catalog.
 */
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.js';
import { buildNotFound } from '../catalog/catalog-errors.js';
import { adminBuild } from '../catalog/catalog-views.js';
import type { WriteContext } from '../catalog/catalog-writer.js';
import type { CoreConfig } from '../config.js';
import type { Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import { createFileServer } from './artifacts-files.js';
import { createArtifactsRepo } from './artifacts-repo.js';
import { createUrlSigner, resolveSigningSecret } from './artifacts-signed-urls.js';
import type { ArtifactStore } from './artifacts-store.js';
import { createUrlChecker } from './artifacts-url-check.js';
import { createBuildVerifier } from './artifacts-verifier.js';
import { createDownloadTokens } from './download-tokens.js';

export interface BuildPath {
  projectId: string;
  channelId: string;
  versionId: string;
  buildId: string;
}

export function createArtifacts(deps: {
  db: Kysely<Tables>;
  store: ArtifactStore;
  catalog: Catalog;
  clock: Clock;
  config: Pick<CoreConfig, 'artifacts' | 'dataDir'>;
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
