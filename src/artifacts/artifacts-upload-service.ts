/**
 * Build uploads: a multipart form streams through the checksum pass into a staged file (or an
 * unfinished multipart upload to the bucket); only a complete upload, within `MAX_UPLOAD_SIZE` and
 * matching the expected SHA-256 when one is given, becomes a file under its key and a build row,
 * together (the file is put in place inside the row's transaction, and removed again if that
 * transaction fails). Anything else — an aborted
 * connection, a mismatch, a duplicate — leaves neither. Where and whether the file may go (the
 * version exists, the build id is free) is settled from the fields before the first file byte.
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import '@fastify/multipart';
import type { AdminBuild } from '../catalog/catalog-admin-schemas.js';
import type { BuildKey } from '../catalog/catalog-repo.js';
import { gatewayDownloadPath } from '../catalog/catalog-snapshot.js';
import type { VersionPath } from '../catalog/catalog-version-admin-service.js';
import { adminBuild } from '../catalog/catalog-views.js';
import type { CatalogWriter, WriteContext } from '../catalog/catalog-writer.js';
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import { formParts } from '../http/multipart-bodies.js';
import { storageUnavailable } from '../infra/storage-health.js';
import { DigestStream, type Digests, SizeLimitExceeded } from './artifacts-digests.js';
import type { ArtifactStorage, StagedArtifact } from './artifacts-storage.js';
import {
  MAX_FIELD_BYTES,
  misplacedPart,
  parseUploadForm,
  UPLOAD_FIELDS,
  type UploadForm,
} from './artifacts-upload-form.js';

/** Room for the text fields and part headers around the file in `Content-Length`. */
const FORM_OVERHEAD_BYTES = UPLOAD_FIELDS.length * MAX_FIELD_BYTES + 64 * 1024;
/** The client may still be sending: closing the connection stops it instead of draining the rest. */
const CLOSE = { connection: 'close' };

function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file exceeds the upload limit of ${limit} bytes`, {
    max_upload_size: limit,
  });
}

/** The same error, answered with `Connection: close`. */
function closing(error: unknown, limit: number): unknown {
  const code = (error as { code?: string }).code;
  if (error instanceof SizeLimitExceeded || code === 'FST_REQ_FILE_TOO_LARGE') error = tooLarge(limit);
  else if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_FILES_LIMIT') {
    error = misplacedPart('the form has more parts than a build upload takes');
  }
  // A full disk or read-only storage: 503 with Retry-After (the original error is its cause, logged).
  error = storageUnavailable(error) ?? error;
  if (!(error instanceof AppError)) return error;
  return new AppError(error.code, error.message, error.details, {
    headers: { ...error.headers, ...CLOSE },
    cause: error,
  });
}

export function createUploadService(deps: {
  writer: CatalogWriter;
  storage: ArtifactStorage;
  maxUploadBytes: number;
  onBuildAdded: (key: BuildKey) => void;
}) {
  const { writer, storage, maxUploadBytes } = deps;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];

  /** 404s of the path and 409 of a taken build id, before any file byte is read. */
  async function ensureFree(context: WriteContext, path: VersionPath, buildId: string): Promise<void> {
    await writer.inProject(context, path.projectId, async (frame) => {
      const { key } = await frame.version(path.channelId, path.versionId);
      if ((await frame.tx.listBuilds(key)).some((build) => build.id === buildId)) throw conflict(buildId);
    });
  }

  const conflict = (buildId: string) =>
    new AppError('CONFLICT', `Build '${buildId}' already exists for this version`, { build: buildId });

  async function receive(context: WriteContext, path: VersionPath, request: FastifyRequest) {
    const fields: Record<string, string> = {};
    let received:
      | { form: UploadForm; digests: Digests; staged: StagedArtifact; storageKey: string }
      | undefined;
    const parts = formParts(request, {
      limits: {
        fields: UPLOAD_FIELDS.length,
        fieldSize: MAX_FIELD_BYTES,
        files: 1,
        // One byte more than allowed, so that the digest stream sees an oversized file and refuses it.
        fileSize: maxUploadBytes + 1,
      },
    });
    try {
      for await (const part of parts) {
        if (received !== undefined) throw misplacedPart('must be the last part of the form');
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== 'file')
          throw misplacedPart(`is expected as the part named 'file', not '${part.fieldname}'`);
        const form = parseUploadForm(fields, part.filename);
        await ensureFree(context, path, form.id);
        const storageKey = `${path.projectId}/${randomUUID()}`;
        const staged = await storage.stage(storageKey);
        received = {
          form,
          staged,
          storageKey,
          digests: { size: 0, sha256: '', sha512: '', sha1: '', md5: '' },
        };
        const digest = new DigestStream(maxUploadBytes);
        await pipeline(part.file, digest, staged.sink);
        received.digests = digest.digests();
      }
    } catch (error) {
      await received?.staged.discard();
      throw error;
    }
    if (received === undefined) throw misplacedPart('is missing: send the build as the part named `file`');
    return received;
  }

  async function upload(
    context: WriteContext,
    path: VersionPath,
    request: FastifyRequest,
  ): Promise<AdminBuild> {
    const declared = Number(request.headers['content-length']);
    if (declared > maxUploadBytes + FORM_OVERHEAD_BYTES)
      throw closing(tooLarge(maxUploadBytes), maxUploadBytes);
    inFlight += 1;
    let staged: StagedArtifact | undefined;
    let committedKey: string | undefined;
    let buildId = '';
    try {
      const received = await receive(context, path, request);
      staged = received.staged;
      const { form, digests, storageKey } = received;
      buildId = form.id;
      if (form.expectedSha256 !== undefined && form.expectedSha256 !== digests.sha256) {
        throw new AppError(
          'INVALID_REQUEST',
          'The file does not match the expected SHA-256; nothing was stored',
          {
            field: 'sha256',
            expected: form.expectedSha256,
            actual: digests.sha256,
          },
        );
      }
      const created = await writer.inProject(context, path.projectId, async (frame) => {
        const { key } = await frame.version(path.channelId, path.versionId);
        const existing = await frame.tx.listBuilds(key);
        const location = {
          project_id: key.projectId,
          channel_id: key.channelId,
          version: key.version,
          id: form.id,
        };
        const row = {
          ...location,
          platform: form.platform,
          architecture: form.architecture,
          file_name: form.fileName,
          file_size: digests.size,
          // Not read back for uploaded builds (their link is built from the row); kept for readers of the table.
          download_url: gatewayDownloadPath({ ...location, file_name: form.fileName }),
          sha256: digests.sha256,
          sha512: digests.sha512,
          sha1: digests.sha1,
          md5: digests.md5,
          signature: form.signature ?? null,
          min_os_version: form.minOsVersion ?? null,
          status: 'pending' as const,
          status_reason: null,
          verified_at: null,
          verification_attempts: 0,
          next_retry_at: null,
          storage_key: storageKey,
          downloads: 0,
          position: Math.max(-1, ...existing.map((build) => build.position)) + 1,
          created_at: frame.now,
          updated_at: frame.now,
        };
        await frame.tx.insertBuilds([row]);
        await frame.audit({
          action: 'build.uploaded',
          targetType: 'build',
          targetId: `${key.projectId}/${key.channelId}/${key.version}/${form.id}`,
          details: { file_name: form.fileName, file_size: digests.size, sha256: digests.sha256 },
        });
        // Last step of the transaction: a failed move rolls the row back.
        await received.staged.commit();
        committedKey = storageKey;
        return adminBuild(row, context.linkBase);
      });
      committedKey = undefined;
      deps.onBuildAdded({
        projectId: path.projectId,
        channelId: path.channelId,
        version: created.version,
        buildId: form.id,
      });
      return created;
    } catch (error) {
      await staged?.discard();
      // Moved into place, but the transaction did not commit: the file must not outlive its row.
      if (committedKey !== undefined) await storage.delete(committedKey);
      throw closing(isUniqueViolation(error) ? conflict(buildId) : error, maxUploadBytes);
    } finally {
      inFlight -= 1;
      if (inFlight === 0) {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      }
    }
  }

  return {
    upload,
    /** Resolves once no upload is running (tests; shutdown). */
    idle(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

export type UploadService = ReturnType<typeof createUploadService>;
