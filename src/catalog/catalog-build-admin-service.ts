/**
 * Catalog administration of builds: add one hosted elsewhere, upload one into the artifact storage,
 * delete. Each write is one transaction with its audit entry; an uploaded file is put in place as the
 * last step of the transaction that inserts its row.
 */
import type { FastifyRequest } from 'fastify';
import type { ArtifactUploads } from '../artifacts/artifacts-uploads.js';
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import type { AdminBuild, CreateBuildInput } from './catalog-admin-schemas.js';
import { closingError, readBuildUpload, refuseDeclaredLength } from './catalog-build-upload.js';
import { buildNotFound } from './catalog-errors.js';
import type { BuildKey, BuildRow, VersionKey } from './catalog-repo.js';
import { gatewayDownloadPath } from './catalog-snapshot.js';
import type { VersionPath } from './catalog-version-admin-service.js';
import { adminBuild } from './catalog-views.js';
import type { CatalogWriter, WriteContext } from './catalog-writer.js';

/** sha512 arrives as hex or base64 (what electron-updater publishes); it is kept as lowercase hex. */
function sha512Hex(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.length === 128 ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

/** What the caller says about a new build; the rest of its row is the same for every new build. */
type NewBuild = Pick<
  BuildRow,
  | 'id'
  | 'platform'
  | 'architecture'
  | 'file_name'
  | 'file_size'
  | 'download_url'
  | 'sha256'
  | 'sha512'
  | 'sha1'
  | 'md5'
  | 'signature'
  | 'min_os_version'
  | 'storage_key'
>;

interface BuildAudit {
  action: string;
  details: Record<string, unknown>;
}

const conflict = (buildId: string) =>
  new AppError('CONFLICT', `Build '${buildId}' already exists for this version`, { build: buildId });

export function createCatalogBuildAdminService(deps: {
  writer: CatalogWriter;
  /** Where uploaded files are stored; without it only builds hosted elsewhere can be added. */
  uploads?: ArtifactUploads;
  /** Told once a build exists (its verification starts there). */
  onBuildAdded?: (key: BuildKey) => void;
}) {
  const { writer } = deps;

  /**
   * Inserts the build after the version's others, with its audit entry, in one transaction whose
   * last step is `lastStep`; a taken id is 409.
   */
  async function insertBuild(
    context: WriteContext,
    path: VersionPath,
    describe: (key: VersionKey) => { build: NewBuild; audit: BuildAudit },
    lastStep?: () => Promise<void>,
  ): Promise<AdminBuild> {
    let buildId = '';
    try {
      return await writer.inProject(context, path.projectId, async (frame) => {
        const { key } = await frame.version(path.channelId, path.versionId);
        const existing = await frame.tx.listBuilds(key);
        const { build, audit } = describe(key);
        buildId = build.id;
        const row = {
          project_id: key.projectId,
          channel_id: key.channelId,
          version: key.version,
          ...build,
          status: 'pending' as const,
          status_reason: null,
          verified_at: null,
          verification_attempts: 0,
          next_retry_at: null,
          downloads: 0,
          position: Math.max(-1, ...existing.map((other) => other.position)) + 1,
          created_at: frame.now,
          updated_at: frame.now,
        };
        await frame.tx.insertBuilds([row]);
        await frame.audit({
          ...audit,
          targetType: 'build',
          targetId: `${key.projectId}/${key.channelId}/${key.version}/${build.id}`,
        });
        await lastStep?.();
        return adminBuild(row, context.linkBase);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(buildId);
      throw error;
    }
  }

  function added(path: VersionPath, build: AdminBuild): AdminBuild {
    deps.onBuildAdded?.({
      projectId: path.projectId,
      channelId: path.channelId,
      version: build.version,
      buildId: build.id,
    });
    return build;
  }

  /**
   * 404s of the path and 409 of a taken build id, before any file byte is read: a read (no
   * transaction, no read model dropped); the insert's transaction settles a race for the id.
   */
  async function ensureFree(context: WriteContext, path: VersionPath, buildId: string): Promise<void> {
    await writer.readProject(context.caller, path.projectId, async (frame) => {
      const { key } = await frame.version(path.channelId, path.versionId);
      if ((await frame.queries.listBuilds(key)).some((build) => build.id === buildId))
        throw conflict(buildId);
    });
  }

  return {
    /** Whether files can be uploaded (a storage was given). */
    acceptsUploads: deps.uploads !== undefined,

    async createBuild(
      context: WriteContext,
      path: VersionPath,
      input: CreateBuildInput,
    ): Promise<AdminBuild> {
      const created = await insertBuild(context, path, () => ({
        build: {
          id: input.id ?? `${input.platform}-${input.architecture}`,
          platform: input.platform,
          architecture: input.architecture,
          file_name: input.file_name,
          file_size: input.file_size,
          download_url: input.download_url,
          sha256: input.checksum.sha256.toLowerCase(),
          sha512: sha512Hex(input.checksum.sha512),
          md5: input.checksum.md5?.toLowerCase() ?? null,
          sha1: input.checksum.sha1?.toLowerCase() ?? null,
          signature: input.signature ?? null,
          min_os_version: input.min_os_version ?? null,
          storage_key: null,
        },
        audit: {
          action: 'build.created',
          details: {
            platform: input.platform,
            architecture: input.architecture,
            file_name: input.file_name,
          },
        },
      }));
      return added(path, created);
    },

    /**
     * A multipart upload: where and whether the file may go (the version exists, the build id is
     * free) is settled from the fields before its first byte; the file streams into the artifact
     * storage while it is hashed; only a complete file, within `MAX_UPLOAD_SIZE` and matching the
     * expected SHA-256 when one is given, becomes a stored file and a build row, together. Anything
     * else — an aborted connection, a mismatch, a duplicate — leaves neither.
     */
    async uploadBuild(
      context: WriteContext,
      path: VersionPath,
      request: FastifyRequest,
    ): Promise<AdminBuild> {
      const { uploads } = deps;
      if (uploads === undefined) throw new Error('No artifact storage to upload builds into');
      const limit = uploads.maxUploadBytes;
      refuseDeclaredLength(request, limit);
      try {
        const created = await readBuildUpload(request, limit, async (form, file, end) => {
          await ensureFree(context, path, form.id);
          return uploads.store(path.projectId, file, async (received) => {
            await end();
            const { digests, storageKey } = received;
            if (form.expectedSha256 !== undefined && form.expectedSha256 !== digests.sha256) {
              throw new AppError(
                'INVALID_REQUEST',
                'The file does not match the expected SHA-256; nothing was stored',
                { field: 'sha256', expected: form.expectedSha256, actual: digests.sha256 },
              );
            }
            const describe = (key: VersionKey) => ({
              build: {
                id: form.id,
                platform: form.platform,
                architecture: form.architecture,
                file_name: form.fileName,
                file_size: digests.size,
                // Not read back for uploaded builds (their link is built from the row); kept for readers of the table.
                download_url: gatewayDownloadPath({
                  project_id: key.projectId,
                  channel_id: key.channelId,
                  version: key.version,
                  id: form.id,
                  file_name: form.fileName,
                }),
                sha256: digests.sha256,
                sha512: digests.sha512,
                sha1: digests.sha1,
                md5: digests.md5,
                signature: form.signature ?? null,
                min_os_version: form.minOsVersion ?? null,
                storage_key: storageKey,
              },
              audit: {
                action: 'build.uploaded',
                details: { file_name: form.fileName, file_size: digests.size, sha256: digests.sha256 },
              },
            });
            // Last step of the transaction: a failed move rolls the row back.
            return insertBuild(context, path, describe, () => received.commit());
          });
        });
        return added(path, created);
      } catch (error) {
        throw closingError(error, limit);
      }
    },

    async deleteBuild(context: WriteContext, path: VersionPath & { buildId: string }): Promise<void> {
      await writer.inProject(context, path.projectId, async (frame) => {
        const { key } = await frame.version(path.channelId, path.versionId);
        if (!(await frame.tx.deleteBuild({ ...key, buildId: path.buildId }))) {
          const available = (await frame.tx.listBuilds(key)).map((build) => build.id);
          throw buildNotFound(key.projectId, key.channelId, key.version, path.buildId, available);
        }
        await frame.audit({
          action: 'build.deleted',
          targetType: 'build',
          targetId: `${key.projectId}/${key.channelId}/${key.version}/${path.buildId}`,
        });
      });
    },
  };
}

export type CatalogBuildAdminService = ReturnType<typeof createCatalogBuildAdminService>;
