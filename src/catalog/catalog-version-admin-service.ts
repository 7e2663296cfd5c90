/** Catalog administration of versions: create, edit, publish, yank, promote, delete. Every write is audited. */
import { isUniqueViolation } from '../db/dialect.js';
import type { VersionSource } from '../db/tables.js';
import { AppError } from '../errors.js';
import type { AdminVersion, CreateVersionInput, UpdateVersionInput } from './catalog-admin-schemas.js';
import type { CatalogQueries, VersionKey, VersionRow } from './catalog-repo.js';
import { normalizeVersion } from './catalog-semver.js';
import { adminVersion } from './catalog-views.js';
import type { CatalogWriter, WriteContext } from './catalog-writer.js';

export interface VersionPath {
  projectId: string;
  channelId: string;
  versionId: string;
}

function parseVersion(input: string, field: string): string {
  const version = normalizeVersion(input);
  if (version === undefined) {
    throw new AppError(
      'INVALID_REQUEST',
      `'${input}' is not a semantic version (MAJOR.MINOR.PATCH with an optional -prerelease)`,
      { field, value: input },
    );
  }
  return version;
}

function conflict(message: string, details: Record<string, unknown>): AppError {
  return new AppError('CONFLICT', message, details);
}

/** Fields changed through the admin API, so that a GitHub sync leaves them as the studio set them. */
function withEdited(row: VersionRow, fields: string[]): string {
  const edited = new Set([...(JSON.parse(row.edited_fields) as string[]), ...fields]);
  return JSON.stringify([...edited].sort());
}

export function createCatalogVersionAdminService(deps: {
  writer: CatalogWriter;
  /**
   * Told, after the rows are gone, which stored files the deleted builds referred to; removes those
   * no other build (a promoted copy) still refers to.
   */
  releaseFiles?: (storageKeys: string[]) => Promise<void>;
}) {
  const { writer } = deps;

  async function versionView(tx: CatalogQueries, key: VersionKey, base?: string): Promise<AdminVersion> {
    return adminVersion((await tx.findVersion(key))!, await tx.listBuilds(key), base);
  }

  /** A state change of one version: checks the transition, writes it, audits it. */
  function transition(
    action: 'published' | 'yanked',
    change: (row: VersionRow, now: string) => Partial<VersionRow>,
    details: Record<string, unknown> = {},
  ) {
    return (context: WriteContext, path: VersionPath): Promise<AdminVersion> =>
      writer.inProject(context, path.projectId, async (frame) => {
        const { key, row } = await frame.version(path.channelId, path.versionId);
        const allowedFrom = action === 'published' ? ['draft', 'yanked'] : ['published'];
        if (!allowedFrom.includes(row.status)) {
          throw conflict(`Version '${row.version}' is ${row.status}; it cannot be ${action}`, {
            version: row.version,
            status: row.status,
          });
        }
        await frame.tx.updateVersion(key, {
          ...change(row, frame.now),
          edited_fields: withEdited(row, ['status']),
          updated_at: frame.now,
        });
        await frame.audit({
          action: `version.${action}`,
          targetType: 'version',
          targetId: `${key.projectId}/${key.channelId}/${key.version}`,
          details,
        });
        return versionView(frame.tx, key, context.linkBase);
      });
  }

  return {
    async createVersion(
      context: WriteContext,
      path: { projectId: string; channelId: string },
      input: CreateVersionInput,
      source: VersionSource = 'manual',
    ): Promise<AdminVersion> {
      const version = parseVersion(input.version, 'version');
      const minimum = input.min_supported_version;
      const minSupported = minimum == null ? null : parseVersion(minimum, 'min_supported_version');
      const status = input.status ?? 'draft';
      const key = { projectId: path.projectId, channelId: path.channelId, version };
      try {
        return await writer.inProject(context, path.projectId, async (frame) => {
          await frame.channel(path.channelId);
          await frame.tx.insertVersion({
            project_id: key.projectId,
            channel_id: key.channelId,
            version,
            name: input.name ?? `v${version}`,
            description: input.description ?? '',
            release_notes: input.release_notes ?? '',
            breaking_changes: input.breaking_changes ? 1 : 0,
            min_supported_version: minSupported,
            rollout_percentage: input.rollout_percentage ?? 100,
            status,
            published_at: status === 'published' ? frame.now : null,
            yanked_at: null,
            yank_reason: null,
            source,
            edited_fields: '[]',
            created_at: frame.now,
            updated_at: frame.now,
          });
          await frame.audit({
            action: 'version.created',
            targetType: 'version',
            targetId: `${key.projectId}/${key.channelId}/${version}`,
            details: { status, source },
          });
          return versionView(frame.tx, key, context.linkBase);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(`Version '${version}' already exists in channel '${path.channelId}'`, {
            channel: path.channelId,
            version,
          });
        }
        throw error;
      }
    },

    async updateVersion(
      context: WriteContext,
      path: VersionPath,
      input: UpdateVersionInput,
    ): Promise<AdminVersion> {
      const minimum = input.min_supported_version;
      const minSupported = minimum == null ? minimum : parseVersion(minimum, 'min_supported_version');
      return writer.inProject(context, path.projectId, async (frame) => {
        const { key, row } = await frame.version(path.channelId, path.versionId);
        await frame.tx.updateVersion(key, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.release_notes !== undefined ? { release_notes: input.release_notes } : {}),
          ...(input.breaking_changes !== undefined
            ? { breaking_changes: input.breaking_changes ? 1 : 0 }
            : {}),
          ...(minSupported !== undefined ? { min_supported_version: minSupported } : {}),
          ...(input.rollout_percentage !== undefined ? { rollout_percentage: input.rollout_percentage } : {}),
          edited_fields: withEdited(row, Object.keys(input)),
          updated_at: frame.now,
        });
        await frame.audit({
          action: 'version.updated',
          targetType: 'version',
          targetId: `${key.projectId}/${key.channelId}/${key.version}`,
          details: { changed: Object.keys(input) },
        });
        return versionView(frame.tx, key, context.linkBase);
      });
    },

    /** Draft → published, or a yanked version restored (it keeps its first publication time). */
    publishVersion: transition('published', (row, now) => ({
      status: 'published',
      published_at: row.published_at ?? now,
      yanked_at: null,
      yank_reason: null,
    })),

    yankVersion(context: WriteContext, path: VersionPath, reason: string): Promise<AdminVersion> {
      return transition(
        'yanked',
        (_row, now) => ({ status: 'yanked', yanked_at: now, yank_reason: reason }),
        {
          reason,
        },
      )(context, path);
    },

    /**
     * Deletes a version that was never published, with its builds (one transaction), then the
     * stored files no other build refers to. A version that was ever published is refused: clients
     * may have it, so it is yanked instead.
     */
    async deleteVersion(context: WriteContext, path: VersionPath): Promise<void> {
      const storageKeys = await writer.inProject(context, path.projectId, async (frame) => {
        const { key, row } = await frame.version(path.channelId, path.versionId);
        if (row.status !== 'draft' || row.published_at !== null) {
          throw conflict(
            `Version '${row.version}' is ${row.status}${row.status === 'yanked' ? ' (it was published)' : ''}; only a version that was never published can be deleted${row.status === 'published' ? ' — yank it instead' : ''}`,
            { version: row.version, status: row.status },
          );
        }
        const builds = await frame.tx.listBuilds(key);
        await frame.tx.deleteVersion(key);
        await frame.audit({
          action: 'version.deleted',
          targetType: 'version',
          targetId: `${key.projectId}/${key.channelId}/${key.version}`,
          details: { builds: builds.map((build) => build.id) },
        });
        return [
          ...new Set(builds.flatMap((build) => (build.storage_key === null ? [] : [build.storage_key]))),
        ];
      });
      if (storageKeys.length > 0) await deps.releaseFiles?.(storageKeys);
    },

    /** The same version, notes and builds appear in `toChannel` (download counts start at zero there). */
    async promoteVersion(context: WriteContext, path: VersionPath, toChannel: string): Promise<AdminVersion> {
      return writer.inProject(context, path.projectId, async (frame) => {
        const { key, row } = await frame.version(path.channelId, path.versionId);
        await frame.channel(toChannel);
        if (toChannel === key.channelId) {
          throw new AppError('INVALID_REQUEST', 'A version cannot be promoted to its own channel', {
            field: 'to_channel',
          });
        }
        if (row.status === 'yanked') {
          throw conflict(`Version '${row.version}' is yanked; it cannot be promoted`, {
            version: row.version,
          });
        }
        const target = { ...key, channelId: toChannel };
        if ((await frame.tx.findVersion(target)) !== undefined) {
          throw conflict(`Version '${row.version}' already exists in channel '${toChannel}'`, {
            channel: toChannel,
            version: row.version,
          });
        }
        await frame.tx.insertVersion({
          ...row,
          channel_id: toChannel,
          published_at: row.status === 'published' ? frame.now : null,
          created_at: frame.now,
          updated_at: frame.now,
        });
        const builds = await frame.tx.listBuilds(key);
        await frame.tx.insertBuilds(
          builds.map((build) => ({ ...build, channel_id: toChannel, downloads: 0 })),
        );
        await frame.audit({
          action: 'version.promoted',
          targetType: 'version',
          targetId: `${key.projectId}/${key.channelId}/${key.version}`,
          details: { to_channel: toChannel, builds: builds.length },
        });
        return versionView(frame.tx, target, context.linkBase);
      });
    },
  };
}

export type CatalogVersionAdminService = ReturnType<typeof createCatalogVersionAdminService>;
