/**
 * What an update check chooses from, derived once per catalog snapshot: for one channel and one
 * client target, the versions that have a usable build for it, newest first, each with that build.
 * Snapshots are immutable, so the lists are memoised in a `WeakMap` keyed by the snapshot: a write
 * produces a new snapshot and therefore new lists, and the old ones are collected with it. Warm
 * checks neither sort nor filter.
 */
import type {
  BuildSnapshot,
  ChannelSnapshot,
  ProjectInfo,
  ProjectSnapshot,
  VersionSnapshot,
} from '../catalog/catalog-snapshot.js';
import { buildForTarget } from '../catalog/catalog-targets.js';
import { BoundedMemo } from '../infra/bounded-memo.js';
import type { ResponseMemo } from './memoised-answers.js';
import type { ResolvedCheck } from './update-resolver.js';

export interface Candidate {
  version: VersionSnapshot;
  build: BuildSnapshot;
}

/**
 * Which builds a client kind can install. Native updaters need particular files (Squirrel.Mac a
 * `.zip`, Squirrel.Windows a `.nupkg` with its SHA-1, Tauri a signed bundle); the JSON endpoint takes
 * any build of the target.
 */
export interface BuildProfile {
  name: string;
  accepts: (build: BuildSnapshot) => boolean;
}

export const ANY_BUILD: BuildProfile = { name: 'any', accepts: () => true };

/** Serialised answers of one target, keyed by what else they depend on; bounded. */
const MEMOISED_RESPONSES = 1_000;

export interface TargetIndex {
  /** Versions with a usable build for the target, newest first. */
  candidates: readonly Candidate[];
  /**
   * The newest version newer than every candidate whose build for the target failed verification:
   * why nothing (or something older) is offered, told to the admin key.
   */
  failed: Candidate | undefined;
  /** Resolutions by `<current version>|<offer index>`: everything else they depend on is fixed here. */
  resolutions: BoundedMemo<ResolvedCheck>;
  responses: ResponseMemo;
}

export interface ChannelIndex {
  projectId: string;
  project: ProjectInfo;
  channel: ChannelSnapshot;
  /** Yanked versions a client of this channel may be on, that no channel it reads still offers. */
  yanked: ReadonlyMap<string, VersionSnapshot>;
  /** Answers that depend on the channel only (static feeds), keyed by feed and variant. */
  responses: ResponseMemo;
  targets: Map<string, TargetIndex>;
}

/**
 * The build a client on (platform, architecture) installs from `version`: the first added that the
 * profile accepts and whose verification did not fail, with the catalog's rule that a macOS
 * `universal` build serves x64 and arm64.
 */
export function pickBuild(
  version: VersionSnapshot,
  platform: string,
  architecture: string,
  profile: BuildProfile,
): BuildSnapshot | undefined {
  const usable = version.builds.filter((build) => build.status !== 'failed' && profile.accepts(build));
  return buildForTarget(usable, platform, architecture);
}

/** Pure: the candidates of `channel` for a target, newest first (its `eligible` order). */
export function candidatesFor(
  channel: ChannelSnapshot,
  platform: string,
  architecture: string,
  profile: BuildProfile,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const version of channel.eligible) {
    const build = pickBuild(version, platform, architecture, profile);
    if (build !== undefined) candidates.push({ version, build });
  }
  return candidates;
}

/** The newest version, before any candidate, whose build for the target failed verification. */
export function newestFailed(
  channel: ChannelSnapshot,
  platform: string,
  architecture: string,
  profile: BuildProfile,
): Candidate | undefined {
  for (const version of channel.eligible) {
    if (pickBuild(version, platform, architecture, profile) !== undefined) return undefined;
    const failed = version.builds.filter((build) => build.status === 'failed' && profile.accepts(build));
    const build = buildForTarget(failed, platform, architecture);
    if (build !== undefined) return { version, build };
  }
  return undefined;
}

/** Yanked versions of the channel and the channels it includes, unless one of them still offers it. */
export function yankedVersionsOf(
  snapshot: ProjectSnapshot,
  channel: ChannelSnapshot,
): Map<string, VersionSnapshot> {
  const offered = new Set(channel.eligible.map((version) => version.version));
  const yanked = new Map<string, VersionSnapshot>();
  for (const channelId of [channel.info.id, ...channel.includedChannels]) {
    for (const version of snapshot.channelById.get(channelId)?.yanked ?? []) {
      if (!offered.has(version.version) && !yanked.has(version.version)) {
        yanked.set(version.version, version);
      }
    }
  }
  return yanked;
}

const indexes = new WeakMap<ProjectSnapshot, Map<string, ChannelIndex>>();

/** The memoised index of a channel of this snapshot, or undefined when the channel does not exist. */
export function channelIndex(snapshot: ProjectSnapshot, channelId: string): ChannelIndex | undefined {
  let byChannel = indexes.get(snapshot);
  if (byChannel === undefined) {
    byChannel = new Map();
    indexes.set(snapshot, byChannel);
  }
  const existing = byChannel.get(channelId);
  if (existing !== undefined) return existing;
  const channel = snapshot.channelById.get(channelId);
  if (channel === undefined) return undefined;
  const index: ChannelIndex = {
    projectId: snapshot.project.id,
    project: snapshot.project,
    channel,
    yanked: yankedVersionsOf(snapshot, channel),
    responses: new BoundedMemo(MEMOISED_RESPONSES),
    targets: new Map(),
  };
  byChannel.set(channelId, index);
  return index;
}

/**
 * The memoised candidates of a target. Callers pass platforms and architectures their schemas
 * validated, so the number of targets per channel stays small.
 */
export function targetIndex(
  index: ChannelIndex,
  platform: string,
  architecture: string,
  profile: BuildProfile = ANY_BUILD,
): TargetIndex {
  const key = `${profile.name}|${platform}|${architecture}`;
  let target = index.targets.get(key);
  if (target === undefined) {
    target = {
      candidates: candidatesFor(index.channel, platform, architecture, profile),
      failed: newestFailed(index.channel, platform, architecture, profile),
      resolutions: new BoundedMemo(MEMOISED_RESPONSES),
      responses: new BoundedMemo(MEMOISED_RESPONSES),
    };
    index.targets.set(key, target);
  }
  return target;
}
