/** Catalog administration of projects and channels. Every write is audited. */
import type { Insertable } from 'kysely';
import { isUniqueViolation } from '../db/dialect.js';
import type { ChannelsTable } from '../db/tables.js';
import { AppError } from '../errors.js';
import type {
  AdminChannel,
  AdminProject,
  CreateChannelInput,
  CreateProjectInput,
  UpdateChannelInput,
  UpdateProjectInput,
} from './catalog-admin-schemas.js';
import {
  assertValidIncludes,
  DEFAULT_CHANNELS,
  defaultChannelName,
  defaultIncludes,
} from './catalog-channels.js';
import type { CatalogQueries, CatalogRepo, ChannelRow } from './catalog-repo.js';
import { adminChannel, adminProject } from './catalog-views.js';
import type { CatalogWriter, WriteContext } from './catalog-writer.js';

function channelRow(
  projectId: string,
  input: CreateChannelInput,
  existing: ReadonlySet<string>,
  position: number,
  now: string,
): Insertable<ChannelsTable> {
  return {
    project_id: projectId,
    id: input.id,
    name: input.name ?? defaultChannelName(input.id),
    description: input.description ?? '',
    auto_update: input.auto_update ? 1 : 0,
    includes: JSON.stringify(input.includes ?? defaultIncludes(input.id, existing)),
    position,
    created_at: now,
    updated_at: now,
  };
}

function declaredIncludes(channels: { id: string; includes: string }[]): Map<string, string[]> {
  return new Map(channels.map((channel) => [channel.id, JSON.parse(channel.includes) as string[]]));
}

function conflict(message: string, details: Record<string, unknown>): AppError {
  return new AppError('CONFLICT', message, details);
}

export function createCatalogAdminService(deps: { repo: CatalogRepo; writer: CatalogWriter }) {
  const { repo, writer } = deps;

  async function projectView(tx: CatalogQueries, projectId: string): Promise<AdminProject> {
    const project = await tx.findProject(projectId);
    return adminProject(project!, await tx.listChannels(projectId));
  }

  return {
    async createProject(context: WriteContext, input: CreateProjectInput): Promise<AdminProject> {
      if (context.caller.allowedProjects !== undefined && !context.caller.allowedProjects.has(input.id)) {
        // The same answer whether or not the project exists: a restricted key learns nothing.
        throw new AppError('FORBIDDEN', 'This key may only manage the projects it is allowed', {
          project: input.id,
        });
      }
      const channels = input.channels ?? DEFAULT_CHANNELS;
      const ids = new Set(channels.map((channel) => channel.id));
      if (ids.size !== channels.length) {
        throw new AppError('INVALID_REQUEST', 'Channel ids must be unique', { field: 'channels' });
      }
      const now = writer.now();
      const rows = channels.map((channel, position) => channelRow(input.id, channel, ids, position, now));
      assertValidIncludes(declaredIncludes(rows as ChannelRow[]));
      try {
        await repo.transaction(async (tx, trx) => {
          await tx.insertProject({
            id: input.id,
            name: input.name,
            description: input.description ?? '',
            repository: input.repository ?? null,
            homepage: input.homepage ?? null,
            public_feeds: input.public_feeds ? 1 : 0,
            created_at: now,
            updated_at: now,
          });
          for (const row of rows) await tx.insertChannel(row);
          await writer.auditor(
            context,
            trx,
          )({
            action: 'project.created',
            targetType: 'project',
            targetId: input.id,
            details: { name: input.name, channels: [...ids] },
          });
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict(`Project '${input.id}' already exists`, { project: input.id });
        throw error;
      }
      await writer.changed([input.id]);
      return projectView(repo, input.id);
    },

    async updateProject(
      context: WriteContext,
      projectId: string,
      input: UpdateProjectInput,
    ): Promise<AdminProject> {
      return writer.inProject(context, projectId, async ({ tx, now, audit }) => {
        await tx.updateProject(projectId, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.repository !== undefined ? { repository: input.repository } : {}),
          ...(input.homepage !== undefined ? { homepage: input.homepage } : {}),
          ...(input.public_feeds !== undefined ? { public_feeds: input.public_feeds ? 1 : 0 } : {}),
          updated_at: now,
        });
        await audit({
          action: 'project.updated',
          targetType: 'project',
          targetId: projectId,
          details: { ...input },
        });
        return projectView(tx, projectId);
      });
    },

    async deleteProject(context: WriteContext, projectId: string, force: boolean): Promise<void> {
      await writer.inProject(context, projectId, async ({ tx, audit }) => {
        const published = await tx.countPublishedVersions(projectId);
        if (published > 0 && !force) {
          throw conflict(
            `Project '${projectId}' has ${published} published versions; delete with force=true`,
            {
              project: projectId,
              published_versions: published,
            },
          );
        }
        await tx.deleteProject(projectId);
        await audit({
          action: 'project.deleted',
          targetType: 'project',
          targetId: projectId,
          details: { force, published_versions: published },
        });
      });
    },

    async createChannel(
      context: WriteContext,
      projectId: string,
      input: CreateChannelInput,
    ): Promise<AdminChannel> {
      return writer.inProject(context, projectId, async ({ tx, now, audit }) => {
        const channels = await tx.listChannels(projectId);
        if (channels.some((channel) => channel.id === input.id)) {
          throw conflict(`Channel '${input.id}' already exists in '${projectId}'`, {
            project: projectId,
            channel: input.id,
          });
        }
        const existing = new Set(channels.map((channel) => channel.id));
        const position = Math.max(-1, ...channels.map((channel) => channel.position)) + 1;
        const row = channelRow(projectId, input, existing, position, now);
        assertValidIncludes(declaredIncludes([...channels, row as ChannelRow]));
        await tx.insertChannel(row);
        await tx.updateProject(projectId, { updated_at: now });
        await audit({
          action: 'channel.created',
          targetType: 'channel',
          targetId: `${projectId}/${input.id}`,
          details: { name: row.name, includes: JSON.parse(row.includes) },
        });
        return adminChannel(row as ChannelRow);
      });
    },

    async updateChannel(
      context: WriteContext,
      projectId: string,
      channelId: string,
      input: UpdateChannelInput,
    ): Promise<AdminChannel> {
      return writer.inProject(context, projectId, async ({ tx, now, audit, channel }) => {
        const { channels } = await channel(channelId);
        const declared = declaredIncludes(channels);
        if (input.includes !== undefined) declared.set(channelId, input.includes);
        assertValidIncludes(declared);
        await tx.updateChannel(projectId, channelId, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.auto_update !== undefined ? { auto_update: input.auto_update ? 1 : 0 } : {}),
          ...(input.includes !== undefined ? { includes: JSON.stringify(input.includes) } : {}),
          updated_at: now,
        });
        await tx.updateProject(projectId, { updated_at: now });
        await audit({
          action: 'channel.updated',
          targetType: 'channel',
          targetId: `${projectId}/${channelId}`,
          details: { ...input },
        });
        const updated = (await tx.listChannels(projectId)).find((row) => row.id === channelId);
        return adminChannel(updated!);
      });
    },

    /** Refuses while published versions exist unless forced; other channels stop including it. */
    async deleteChannel(
      context: WriteContext,
      projectId: string,
      channelId: string,
      force: boolean,
    ): Promise<void> {
      await writer.inProject(context, projectId, async ({ tx, now, audit, channel }) => {
        const { channels } = await channel(channelId);
        const published = await tx.countPublishedVersions(projectId, channelId);
        if (published > 0 && !force) {
          throw conflict(
            `Channel '${channelId}' has ${published} published versions; delete with force=true`,
            {
              project: projectId,
              channel: channelId,
              published_versions: published,
            },
          );
        }
        const includedBy: string[] = [];
        for (const [otherId, includes] of declaredIncludes(channels)) {
          if (otherId === channelId || !includes.includes(channelId)) continue;
          includedBy.push(otherId);
          const remaining = includes.filter((id) => id !== channelId);
          await tx.updateChannel(projectId, otherId, {
            includes: JSON.stringify(remaining),
            updated_at: now,
          });
        }
        await tx.deleteChannel(projectId, channelId);
        await tx.updateProject(projectId, { updated_at: now });
        await audit({
          action: 'channel.deleted',
          targetType: 'channel',
          targetId: `${projectId}/${channelId}`,
          details: { force, published_versions: published, removed_from_includes_of: includedBy },
        });
      });
    },
  };
}

export type CatalogAdminService = ReturnType<typeof createCatalogAdminService>;
