/**
 * Serving uploaded files behind signed URLs: which file a `/files/…` URL names, whether its
 * signature holds, and the headers of a full, partial or not-modified answer.
 */
import type { CatalogReadModel } from '../catalog/catalog-read-model.js';
import { type BuildSnapshot, findBuild } from '../catalog/catalog-snapshot.js';
import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';
import { contentDisposition } from './artifacts-http-ranges.js';
import type { SignedFile, UrlSigner } from './artifacts-signed-urls.js';
import type { ArtifactStorage } from './artifacts-storage.js';

export interface FileParams {
  projectId: string;
  channelId: string;
  version: string;
  buildId: string;
  fileName: string;
}

export interface OpenedFile {
  storageKey: string;
  size: number;
  etag: string;
  lastModifiedMs: number;
  headers: Record<string, string>;
}

// One message for every refusal: the answer must not tell a guesser which part was wrong.
const refused = (why: string) => new AppError('FORBIDDEN', `This download link ${why}; ask for a new one`);

export function createFileServer(deps: {
  readModel: CatalogReadModel;
  storage: ArtifactStorage;
  signer: UrlSigner;
  clock: Clock;
}) {
  const { readModel, storage, signer, clock } = deps;

  async function buildOf(params: FileParams): Promise<BuildSnapshot | undefined> {
    const state = await readModel.readState(params.projectId);
    const version = state?.snapshot.channelById.get(params.channelId)?.versions.get(params.version);
    return version === undefined ? undefined : findBuild(version, params.buildId);
  }

  return {
    /**
     * Where the client fetches an uploaded build: the storage's own link (a presigned bucket URL)
     * when it has one, else a signed `/files/…` URL on the gateway's base URL.
     */
    async urlFor(projectId: string, build: BuildSnapshot, base: string): Promise<string> {
      if (build.storageKey === null) return build.downloadUrl;
      const direct = await storage.directLink(build.storageKey, build.fileName);
      if (direct !== undefined) return direct;
      const file: SignedFile = {
        projectId,
        channelId: build.channelId,
        version: build.version,
        buildId: build.id,
        fileName: build.fileName,
        storageKey: build.storageKey,
      };
      return `${base}${signer.sign(file)}`;
    },

    /** Checks the signature and finds the file; 403 for invalid or expired links, 404 for a vanished file. */
    async open(params: FileParams, expires: string, signature: string): Promise<OpenedFile> {
      const build = await buildOf(params);
      const expiresAt = /^\d{1,12}$/.test(expires) ? Number(expires) : Number.NaN;
      // Without the build there is no storage key to check against: indistinguishable from tampering.
      if (build?.storageKey == null || Number.isNaN(expiresAt)) throw refused('is not valid');
      const verdict = signer.check({ ...params, storageKey: build.storageKey }, expiresAt, signature);
      if (verdict === 'invalid') throw refused('is not valid');
      if (verdict === 'expired') throw refused('has expired');
      const info = await storage.stat(build.storageKey);
      if (info === undefined) throw new AppError('NOT_FOUND', 'The file of this build is no longer stored');
      const etag = `"${build.checksum.sha256}"`;
      const lastModifiedMs = Date.parse(build.createdAt);
      const maxAge = Math.max(0, Math.floor((expiresAt * 1000 - clock.now()) / 1000));
      return {
        storageKey: build.storageKey,
        size: info.size,
        etag,
        lastModifiedMs,
        headers: {
          etag,
          'last-modified': new Date(lastModifiedMs).toUTCString(),
          'accept-ranges': 'bytes',
          // The bytes behind a key never change; the link itself stops working at its expiry.
          'cache-control': `private, max-age=${maxAge}`,
          'content-disposition': contentDisposition(build.fileName),
          'content-type': 'application/octet-stream',
        },
      };
    },
  };
}

export type FileServer = ReturnType<typeof createFileServer>;
