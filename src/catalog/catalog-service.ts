/**
 * Catalog reads, answered from the in-memory read model. Each read returns what the HTTP layer
 * needs to serve it from a memoised body: the memo, the body's key in it, and how to produce it.
 * Access: a project outside the caller's `allowedProjects` is reported exactly like one that does not
 * exist, and drafts and yanked versions exist for no reader.
 */
import { AppError } from '../errors.js';
import type { Caller } from '../keys/caller.js';
import { canSeeProject } from '../keys/caller.js';
import { projectNotFound, visibleProjects } from '../keys/project-access.js';
import { type Links, linksKey } from './build-links.js';
import { buildNotFound, channelNotFound, versionNotFound } from './catalog-errors.js';
import type { BodyMemo, CatalogReadModel, ProjectReadState } from './catalog-read-model.js';
import type { VersionListQueryShape } from './catalog-schemas.js';
import { normalizeVersion } from './catalog-semver.js';
import {
  type BuildSnapshot,
  type ChannelSnapshot,
  findBuild,
  findPublishedVersion,
  type VersionSnapshot,
} from './catalog-snapshot.js';
import {
  buildDetails,
  projectDetails,
  projectListItem,
  versionDetails,
  versionListItem,
} from './catalog-views.js';
import type { DownloadCounter } from './download-counter.js';

export interface CatalogRead {
  bodies: BodyMemo;
  key: string;
  produce: () => unknown;
}

interface OpenedVersion {
  state: ProjectReadState;
  channel: ChannelSnapshot;
  version: VersionSnapshot;
}

export function createCatalogService(deps: { readModel: CatalogReadModel; downloads: DownloadCounter }) {
  const { readModel, downloads } = deps;

  async function openProject(caller: Caller, projectId: string): Promise<ProjectReadState> {
    if (canSeeProject(caller, projectId)) {
      const state = await readModel.readState(projectId);
      if (state !== undefined) return state;
    }
    throw projectNotFound(caller, projectId, [...(await readModel.index()).ids]);
  }

  async function openChannel(caller: Caller, projectId: string, channelId: string) {
    const state = await openProject(caller, projectId);
    const channel = state.snapshot.channelById.get(channelId);
    if (channel === undefined) {
      throw channelNotFound(
        projectId,
        channelId,
        state.snapshot.channels.map((c) => c.info.id),
      );
    }
    return { state, channel };
  }

  async function openVersion(
    caller: Caller,
    params: { projectId: string; channelId: string; versionId: string },
  ): Promise<OpenedVersion> {
    const { state, channel } = await openChannel(caller, params.projectId, params.channelId);
    const id = normalizeVersion(params.versionId) ?? params.versionId;
    const version = findPublishedVersion(state.snapshot, channel, id);
    if (version === undefined) throw versionNotFound(params.projectId, params.channelId, params.versionId);
    return { state, channel, version };
  }

  async function openBuild(
    caller: Caller,
    params: { projectId: string; channelId: string; versionId: string; buildId: string },
  ): Promise<OpenedVersion & { build: BuildSnapshot }> {
    const opened = await openVersion(caller, params);
    const build = findBuild(opened.version, params.buildId);
    if (build === undefined) {
      throw buildNotFound(
        params.projectId,
        params.channelId,
        opened.version.version,
        params.buildId,
        opened.version.builds.map((b) => b.id),
      );
    }
    return { ...opened, build };
  }

  /** `fileName`, when given, must be the build's file name (404 otherwise, nothing counted). */
  async function downloadBuild(
    caller: Caller,
    params: { projectId: string; channelId: string; versionId: string; buildId: string },
    fileName?: string,
  ): Promise<BuildSnapshot> {
    const { build } = await openBuild(caller, params);
    if (fileName !== undefined && fileName !== build.fileName) {
      throw new AppError(
        'NOT_FOUND',
        `Build '${build.id}' has no file '${fileName}'; its file is '${build.fileName}'`,
        {
          file_name: build.fileName,
        },
      );
    }
    downloads.record({
      projectId: params.projectId,
      channelId: build.channelId,
      version: build.version,
      buildId: build.id,
    });
    return build;
  }

  return {
    async listProjects(caller: Caller, query: { page: number; per_page: number }): Promise<CatalogRead> {
      const index = await readModel.index();
      const scope =
        caller.allowedProjects === undefined ? '*' : visibleProjects(caller, [...index.ids]).join(',');
      return {
        bodies: index.bodies,
        key: `projects|${query.page}|${query.per_page}|${scope}`,
        produce: () => {
          const visible = index.projects.filter((summary) => canSeeProject(caller, summary.project.id));
          const start = (query.page - 1) * query.per_page;
          return {
            projects: visible.slice(start, start + query.per_page).map(projectListItem),
            total: visible.length,
            page: query.page,
            per_page: query.per_page,
          };
        },
      };
    },

    async project(caller: Caller, projectId: string): Promise<CatalogRead> {
      const { snapshot, counts, bodies } = await openProject(caller, projectId);
      return { bodies, key: 'project', produce: () => projectDetails(snapshot, counts) };
    },

    async listVersions(
      caller: Caller,
      params: { projectId: string; channelId: string },
      query: VersionListQueryShape,
    ): Promise<CatalogRead> {
      const { state, channel } = await openChannel(caller, params.projectId, params.channelId);
      return {
        bodies: state.bodies,
        key: `versions|${channel.info.id}|${query.page}|${query.per_page}|${query.sort}`,
        produce: () => {
          // `published` is newest first already; ascending is the same list read backwards.
          const ordered = query.sort === 'desc' ? channel.published : channel.published.toReversed();
          const start = (query.page - 1) * query.per_page;
          return {
            versions: ordered
              .slice(start, start + query.per_page)
              .map((version) => versionListItem(version, state.counts)),
            total: ordered.length,
            page: query.page,
            per_page: query.per_page,
          };
        },
      };
    },

    async version(
      caller: Caller,
      params: { projectId: string; channelId: string; versionId: string },
      links: Links,
    ): Promise<CatalogRead> {
      const { state, version } = await openVersion(caller, params);
      return {
        bodies: state.bodies,
        key: `version|${version.channelId}|${version.version}|${linksKey(links)}`,
        produce: () => versionDetails(version, state.counts, links),
      };
    },

    /** The newest published version the channel offers (its own or an included channel's). */
    async latest(
      caller: Caller,
      params: { projectId: string; channelId: string },
      links: Links,
    ): Promise<CatalogRead> {
      const { state, channel } = await openChannel(caller, params.projectId, params.channelId);
      const version = channel.eligible[0];
      if (version === undefined) throw versionNotFound(params.projectId, params.channelId, 'latest');
      return {
        bodies: state.bodies,
        key: `version|${version.channelId}|${version.version}|${linksKey(links)}`,
        produce: () => versionDetails(version, state.counts, links),
      };
    },

    async build(
      caller: Caller,
      params: { projectId: string; channelId: string; versionId: string; buildId: string },
      links: Links,
    ): Promise<CatalogRead> {
      const { state, build } = await openBuild(caller, params);
      return {
        bodies: state.bodies,
        key: `build|${build.channelId}|${build.version}|${build.id}|${linksKey(links)}`,
        produce: () => buildDetails(build, state.counts, links),
      };
    },

    /** The build a download resolves to (uploaded builds are served from storage), counted as `download`. */
    downloadBuild,
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
