/**
 * Update checks answered from the catalog's in-memory snapshots. The work per request on a warm
 * path: find the snapshot (memory), its memoised channel and target indexes (WeakMap, keyed by the
 * snapshot), pick the offer by walking the newest candidates until one admits the client (a hash
 * only for partial rollouts), then look up the serialised answer by (current version, offer).
 * Nothing is sorted or queried; a catalog write replaces the snapshot and so every memo at once.
 */
import type { DownloadTokens } from '../artifacts/download-tokens.js';
import { type Links, linksKey } from '../catalog/build-links.js';
import { channelNotFound } from '../catalog/catalog-errors.js';
import type { CatalogReadModel } from '../catalog/catalog-read-model.js';
import { normalizeVersion } from '../catalog/catalog-semver.js';
import type { ProjectInfo, VersionSnapshot } from '../catalog/catalog-snapshot.js';
import { AppError } from '../errors.js';
import { unauthorized } from '../http/auth.js';
import { type Caller, canSeeProject } from '../keys/caller.js';
import { projectNotFound } from '../keys/project-access.js';
import type { ResponseMemo } from './memoised-answers.js';
import { isInRollout } from './rollout-bucket.js';
import {
  ANY_BUILD,
  type BuildProfile,
  type ChannelIndex,
  channelIndex,
  type TargetIndex,
  targetIndex,
} from './update-candidates.js';
import { type ResolvedCheck, resolveOffer, selectOffer } from './update-resolver.js';
import { failedBuildNote, updateResponse } from './update-views.js';
import type { UpdateQueryShape } from './updates-schemas.js';

/** An answer served from a memo of serialised bodies: `produce` runs only on a miss. */
export interface MemoisedAnswer {
  memo: ResponseMemo;
  key: string;
  produce: () => unknown;
}

/** Whether the answer is for a key (with its download token) or for an anonymous public-feed client. */
export type Asker = Caller | undefined;

export interface Check {
  index: ChannelIndex;
  target: TargetIndex;
  offerIndex: number;
}

export function invalidVersion(field: string, value: string): AppError {
  return new AppError('INVALID_REQUEST', `${field} '${value}' is not a valid semantic version`, {
    field,
    value,
  });
}

export function createUpdatesService(deps: {
  readModel: CatalogReadModel;
  launcherProjectId: string;
  tokens: DownloadTokens;
}) {
  const { readModel, tokens } = deps;

  /**
   * Links in an answer: absolute on `base`; for a key asking about a project without public feeds,
   * with that key's download token, so that the client downloads what it was offered without a
   * header (CONTRACT "Links that leave the gateway").
   */
  function links(base: string, asker: Asker, project: ProjectInfo): Links {
    if (asker === undefined || project.publicFeeds) return { base, query: '' };
    return { base, query: `?token=${tokens.issue(asker.id, project.id)}` };
  }

  /** The channel as a key sees it: projects outside its `allowedProjects` do not exist. */
  async function visibleChannel(caller: Caller, projectId: string, channelId: string) {
    const snapshot = canSeeProject(caller, projectId) ? await readModel.snapshot(projectId) : undefined;
    if (snapshot === undefined) throw projectNotFound(caller, projectId, [...(await readModel.index()).ids]);
    return channelOf(snapshot, projectId, channelId);
  }

  function channelOf(
    snapshot: NonNullable<Awaited<ReturnType<CatalogReadModel['snapshot']>>>,
    projectId: string,
    channelId: string,
  ): ChannelIndex {
    const index = channelIndex(snapshot, channelId);
    if (index === undefined) {
      throw channelNotFound(
        projectId,
        channelId,
        snapshot.channels.map((channel) => channel.info.id),
      );
    }
    return index;
  }

  const admitsFor = (projectId: string, clientId: string | undefined) => (version: VersionSnapshot) =>
    isInRollout(version.rolloutPercentage, clientId, projectId, version.version);

  /** Chooses the offer for a client on a target; cheap enough to run on every request. */
  function check(
    index: ChannelIndex,
    platform: string,
    architecture: string,
    clientId: string | undefined,
    profile: BuildProfile = ANY_BUILD,
  ): Check {
    const target = targetIndex(index, platform, architecture, profile);
    const offerIndex = selectOffer(target.candidates, admitsFor(index.projectId, clientId));
    return { index, target, offerIndex };
  }

  /** The resolution of a check for a current version as given; 400 when it is not semver. */
  function resolve(chosen: Check, currentInput: string, field = 'current_version'): ResolvedCheck {
    const key = `${currentInput}|${chosen.offerIndex}`;
    let resolved = chosen.target.resolutions.get(key);
    if (resolved === undefined) {
      const current = normalizeVersion(currentInput);
      if (current === undefined) throw invalidVersion(field, currentInput);
      const resolution = resolveOffer(
        {
          current,
          candidates: chosen.target.candidates,
          eligible: chosen.index.channel.eligible,
          yankedCurrent: chosen.index.yanked.get(current),
        },
        chosen.offerIndex,
      );
      resolved = { current, resolution };
      chosen.target.resolutions.set(key, resolved);
    }
    return resolved;
  }

  function updateAnswer(
    caller: Caller,
    index: ChannelIndex,
    query: UpdateQueryShape,
    clientId: string | undefined,
    answerLinks: Links,
  ): MemoisedAnswer {
    const chosen = check(index, query.platform, query.architecture, clientId);
    const failed = caller.isAdmin ? chosen.target.failed : undefined;
    const audience = failed === undefined ? '' : '|admin';
    return {
      memo: chosen.target.responses,
      key: `json|${query.current_version}|${chosen.offerIndex}|${linksKey(answerLinks)}${audience}`,
      produce: () => {
        const { current, resolution } = resolve(chosen, query.current_version);
        const note =
          failed !== undefined && !resolution.updateAvailable && resolution.reason !== 'ahead'
            ? failedBuildNote(failed)
            : '';
        return updateResponse(current, resolution, query.platform, query.architecture, answerLinks, note);
      },
    };
  }

  return {
    launcherProjectId: deps.launcherProjectId,
    visibleChannel,
    check,
    resolve,
    links,

    /**
     * A feed's channel: with a key, as `visibleChannel`; without one, only a project that publishes
     * public feeds, and every other case gets the 401 a keyed route gives (no oracle).
     */
    async feedChannel(caller: Caller | undefined, projectId: string, channelId: string) {
      if (caller !== undefined) return visibleChannel(caller, projectId, channelId);
      const snapshot = await readModel.snapshot(projectId);
      if (snapshot === undefined || !snapshot.project.publicFeeds) throw unauthorized();
      return channelOf(snapshot, projectId, channelId);
    },

    /** The launcher project's channel regardless of `allowedProjects`: every launcher may update itself. */
    async launcherChannel(channelId: string): Promise<ChannelIndex> {
      const snapshot = await readModel.snapshot(deps.launcherProjectId);
      if (snapshot === undefined) {
        throw new AppError('PROJECT_NOT_FOUND', `Launcher project '${deps.launcherProjectId}' not found`);
      }
      return channelOf(snapshot, deps.launcherProjectId, channelId);
    },

    /** `GET …/update`. */
    async updateCheck(
      caller: Caller,
      params: { projectId: string; channelId: string },
      query: UpdateQueryShape,
      clientId: string | undefined,
      base: string,
    ): Promise<MemoisedAnswer> {
      const index = await visibleChannel(caller, params.projectId, params.channelId);
      return updateAnswer(caller, index, query, clientId, links(base, caller, index.project));
    },

    /**
     * `updateCheck` from memory alone, for the fast lane: the answer when the project's snapshot is
     * warm and the caller sees the channel; undefined whenever `updateCheck` could answer otherwise
     * (cold snapshot, unknown or hidden project or channel), so that it does.
     */
    warmUpdateCheck(
      caller: Caller,
      params: { projectId: string; channelId: string },
      query: UpdateQueryShape,
      clientId: string | undefined,
      base: string,
    ): MemoisedAnswer | undefined {
      if (!canSeeProject(caller, params.projectId)) return undefined;
      const snapshot = readModel.warmSnapshot(params.projectId);
      const index = snapshot && channelIndex(snapshot, params.channelId);
      return index
        ? updateAnswer(caller, index, query, clientId, links(base, caller, index.project))
        : undefined;
    },
  };
}

export type UpdatesService = ReturnType<typeof createUpdatesService>;
