/** Catalog administration of builds hosted elsewhere: add, delete. Every write is audited. */
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import type { AdminBuild, CreateBuildInput } from './catalog-admin-schemas.js';
import { buildNotFound } from './catalog-errors.js';
import type { BuildKey } from './catalog-repo.js';
import type { VersionPath } from './catalog-version-admin-service.js';
import { adminBuild } from './catalog-views.js';
import type { CatalogWriter, WriteContext } from './catalog-writer.js';

/** sha512 arrives as hex or base64 (what electron-updater publishes); it is kept as lowercase hex. */
function sha512Hex(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.length === 128 ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

export function createCatalogBuildAdminService(deps: {
  writer: CatalogWriter;
  /** Told once a build exists (its verification starts there). */
  onBuildAdded?: (key: BuildKey) => void;
}) {
  const { writer } = deps;

  return {
    async createBuild(
      context: WriteContext,
      path: VersionPath,
      input: CreateBuildInput,
    ): Promise<AdminBuild> {
      const buildId = input.id ?? `${input.platform}-${input.architecture}`;
      try {
        const created = await writer.inProject(context, path.projectId, async (frame) => {
          const { key } = await frame.version(path.channelId, path.versionId);
          const existing = await frame.tx.listBuilds(key);
          const row = {
            project_id: key.projectId,
            channel_id: key.channelId,
            version: key.version,
            id: buildId,
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
            status: 'pending' as const,
            status_reason: null,
            verified_at: null,
            verification_attempts: 0,
            next_retry_at: null,
            storage_key: null,
            downloads: 0,
            position: Math.max(-1, ...existing.map((build) => build.position)) + 1,
            created_at: frame.now,
            updated_at: frame.now,
          };
          await frame.tx.insertBuilds([row]);
          await frame.audit({
            action: 'build.created',
            targetType: 'build',
            targetId: `${key.projectId}/${key.channelId}/${key.version}/${buildId}`,
            details: {
              platform: input.platform,
              architecture: input.architecture,
              file_name: input.file_name,
            },
          });
          return adminBuild(row, context.linkBase);
        });
        deps.onBuildAdded?.({
          projectId: path.projectId,
          channelId: path.channelId,
          version: created.version,
          buildId,
        });
        return created;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError('CONFLICT', `Build '${buildId}' already exists for this version`, {
            build: buildId,
          });
        }
        throw error;
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
