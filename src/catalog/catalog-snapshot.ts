/**
 * The in-memory read model of one project: immutable, built in one pass from the project's rows and
 * replaced as a whole on every change. Everything a reader or an updater asks is answered from here
 * without sorting or querying: per channel the published versions in semver order (newest first),
 * the channel's `includes` resolved, and every version's builds in the order they were added.
 *
 * Because a snapshot never changes, later consumers (the update resolver, feeds) can memoise derived
 * data in a `WeakMap` keyed by the snapshot object: a new snapshot means new data.
 */
import type { BuildStatus, VersionSource, VersionStatus } from '../db/tables.js';
import { servedByGateway } from './build-links.js';
import type { BuildRow, ChannelRow, ProjectRow, VersionRow } from './catalog-repo.js';
import { compareVersions } from './catalog-semver.js';

export interface ProjectInfo {
  id: string;
  name: string;
  description: string;
  repository: string | null;
  homepage: string | null;
  publicFeeds: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelInfo {
  id: string;
  name: string;
  description: string;
  autoUpdate: boolean;
  /** As declared: the channels whose releases this one also offers. */
  includes: readonly string[];
}

export interface Checksum {
  sha256: string;
  sha512?: string;
  sha1?: string;
  md5?: string;
}

export interface BuildSnapshot {
  id: string;
  channelId: string;
  version: string;
  platform: string;
  architecture: string;
  fileName: string;
  fileSize: number;
  /** The stored URL of a build hosted elsewhere; for an uploaded build, see `downloadPath`. */
  downloadUrl: string;
  /**
   * For a build the gateway serves (uploaded, or a private GitHub asset): its download route,
   * relative to the gateway's base URL and ending in the file's name (`buildLink` makes it
   * absolute). Null for builds downloaded from their own URL.
   */
  downloadPath: string | null;
  checksum: Checksum;
  signature: string | null;
  minOsVersion: string | null;
  status: BuildStatus;
  statusReason: string | null;
  /** When the verifier last set `status`. */
  verifiedAt: string | null;
  /** Set for builds uploaded to the gateway: where the file is in the artifact storage. */
  storageKey: string | null;
  createdAt: string;
}

export interface VersionSnapshot {
  projectId: string;
  channelId: string;
  version: string;
  name: string;
  description: string;
  releaseNotes: string;
  breakingChanges: boolean;
  minSupportedVersion: string | null;
  rolloutPercentage: number;
  status: VersionStatus;
  publishedAt: string | null;
  yankedAt: string | null;
  yankReason: string | null;
  source: VersionSource;
  createdAt: string;
  /** In the order they were added; a handful per version, so found by scanning (`findBuild`). */
  builds: readonly BuildSnapshot[];
}

export interface ChannelSnapshot {
  info: ChannelInfo;
  /** Every channel this one offers releases of, transitively, nearest first; never itself. */
  includedChannels: readonly string[];
  /** This channel's own versions in every state (drafts and yanked too), by version id. */
  versions: ReadonlyMap<string, VersionSnapshot>;
  /** This channel's own published versions, newest first. */
  published: readonly VersionSnapshot[];
  /**
   * Published versions this channel offers: its own and those of its included channels, newest
   * first. A version present in several of them appears once, from the nearest channel.
   */
  eligible: readonly VersionSnapshot[];
  /** This channel's yanked versions, newest first (clients on one are offered a way off it). */
  yanked: readonly VersionSnapshot[];
}

export interface ProjectSnapshot {
  project: ProjectInfo;
  /** In creation order. */
  channels: readonly ChannelSnapshot[];
  channelById: ReadonlyMap<string, ChannelSnapshot>;
  /** The project's headline version: the newest one the `stable` channel (else the first channel) offers. */
  latestVersion: VersionSnapshot | undefined;
}

/** Download counts of a project's builds, by `downloadKey`; refreshed apart from the snapshot. */
export type DownloadCounts = ReadonlyMap<string, number>;

export function downloadKey(channelId: string, version: string, buildId: string): string {
  return `${channelId}\u0000${version}\u0000${buildId}`;
}

export function projectInfoOf(row: ProjectRow): ProjectInfo {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    repository: row.repository,
    homepage: row.homepage,
    publicFeeds: row.public_feeds === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function channelInfoOf(row: ChannelRow): ChannelInfo {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    autoUpdate: row.auto_update === 1,
    includes: JSON.parse(row.includes) as string[],
  };
}

export function checksumOf(row: Pick<BuildRow, 'sha256' | 'sha512' | 'sha1' | 'md5'>): Checksum {
  return {
    sha256: row.sha256,
    ...(row.sha512 !== null ? { sha512: row.sha512 } : {}),
    ...(row.sha1 !== null ? { sha1: row.sha1 } : {}),
    ...(row.md5 !== null ? { md5: row.md5 } : {}),
  };
}

/**
 * The gateway's download route of a build, in the row's own channel (promoted copies share the file
 * but not the path), relative to the base URL. Its last segment is the file's name, so that clients
 * naming the download after the URL (electron-updater, browsers) get the right name and extension.
 */
export function gatewayDownloadPath(
  row: Pick<BuildRow, 'project_id' | 'channel_id' | 'version' | 'id' | 'file_name'>,
): string {
  const [project, channel, version, build, file] = [
    row.project_id,
    row.channel_id,
    row.version,
    row.id,
    row.file_name,
  ].map(encodeURIComponent);
  return `/projects/${project}/channels/${channel}/versions/${version}/builds/${build}/download/${file}`;
}

/**
 * Where clients download a build through the gateway: its route for a build the gateway serves
 * (uploaded, or a private repository's GitHub asset: see `servedByGateway`); null for other builds,
 * which are downloaded from their own URL.
 */
export function buildDownloadPath(
  row: Pick<
    BuildRow,
    'project_id' | 'channel_id' | 'version' | 'id' | 'file_name' | 'storage_key' | 'download_url'
  >,
): string | null {
  const served = servedByGateway({ storageKey: row.storage_key, downloadUrl: row.download_url });
  return served ? gatewayDownloadPath(row) : null;
}

/** The build of `version` with this id. */
export function findBuild(version: VersionSnapshot, buildId: string): BuildSnapshot | undefined {
  return version.builds.find((build) => build.id === buildId);
}

/**
 * One copy per distinct value within a snapshot. Every database row brings its own copy of values
 * that repeat across rows (channel, version, platform, status, timestamps); at a thousand projects of
 * 1,200 builds each those copies were a fifth of the snapshots' memory.
 */
type Interner = <T extends string | null>(value: T) => T;

function createInterner(): Interner {
  const seen = new Map<string, string>();
  return <T extends string | null>(value: T): T => {
    if (value === null) return value;
    const existing = seen.get(value);
    if (existing !== undefined) return existing as T;
    seen.set(value, value);
    return value;
  };
}

function buildOf(row: BuildRow, intern: Interner): BuildSnapshot {
  return {
    id: intern(row.id),
    channelId: intern(row.channel_id),
    version: intern(row.version),
    platform: intern(row.platform),
    architecture: intern(row.architecture),
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    downloadUrl: row.download_url,
    downloadPath: buildDownloadPath(row),
    checksum: checksumOf(row),
    signature: row.signature,
    minOsVersion: intern(row.min_os_version),
    status: intern(row.status),
    statusReason: intern(row.status_reason),
    verifiedAt: intern(row.verified_at),
    storageKey: row.storage_key,
    createdAt: intern(row.created_at),
  };
}

function versionOf(row: VersionRow, builds: BuildSnapshot[], intern: Interner): VersionSnapshot {
  return {
    projectId: intern(row.project_id),
    channelId: intern(row.channel_id),
    version: intern(row.version),
    name: row.name,
    description: intern(row.description),
    releaseNotes: row.release_notes,
    breakingChanges: row.breaking_changes === 1,
    minSupportedVersion: intern(row.min_supported_version),
    rolloutPercentage: row.rollout_percentage,
    status: intern(row.status),
    publishedAt: intern(row.published_at),
    yankedAt: intern(row.yanked_at),
    yankReason: row.yank_reason,
    source: intern(row.source),
    createdAt: intern(row.created_at),
    builds,
  };
}

const newestFirst = (a: VersionSnapshot, b: VersionSnapshot) => compareVersions(b.version, a.version);

/** Breadth-first over `includes`, so nearer channels come first; cycles and unknown ids are ignored. */
export function resolveIncludedChannels(
  channelId: string,
  declared: ReadonlyMap<string, readonly string[]>,
): string[] {
  const seen = new Set([channelId]);
  const order: string[] = [];
  const queue = [...(declared.get(channelId) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next) || !declared.has(next)) continue;
    seen.add(next);
    order.push(next);
    queue.push(...(declared.get(next) ?? []));
  }
  return order;
}

export interface ProjectRows {
  project: ProjectRow;
  channels: ChannelRow[];
  versions: VersionRow[];
  builds: BuildRow[];
}

export function buildProjectSnapshot(rows: ProjectRows): ProjectSnapshot {
  const intern = createInterner();
  const buildsByVersion = new Map<string, BuildSnapshot[]>();
  const orderedBuilds = [...rows.builds].sort((a, b) => a.position - b.position);
  for (const row of orderedBuilds) {
    const key = downloadKey(row.channel_id, row.version, '');
    const list = buildsByVersion.get(key) ?? [];
    list.push(buildOf(row, intern));
    buildsByVersion.set(key, list);
  }
  const versionsByChannel = new Map<string, VersionSnapshot[]>();
  for (const row of rows.versions) {
    const list = versionsByChannel.get(row.channel_id) ?? [];
    list.push(
      versionOf(row, buildsByVersion.get(downloadKey(row.channel_id, row.version, '')) ?? [], intern),
    );
    versionsByChannel.set(row.channel_id, list);
  }

  const channelRows = [...rows.channels].sort((a, b) => a.position - b.position);
  const infos = channelRows.map(channelInfoOf);
  const declared = new Map(infos.map((info) => [info.id, info.includes]));
  const own = new Map(
    infos.map((info) => {
      const versions = (versionsByChannel.get(info.id) ?? []).sort(newestFirst);
      return [info.id, versions] as const;
    }),
  );

  const channels = infos.map((info): ChannelSnapshot => {
    const versions = own.get(info.id) ?? [];
    const includedChannels = resolveIncludedChannels(info.id, declared);
    const eligibleById = new Map<string, VersionSnapshot>();
    for (const channelId of [info.id, ...includedChannels]) {
      for (const version of own.get(channelId) ?? []) {
        if (version.status === 'published' && !eligibleById.has(version.version)) {
          eligibleById.set(version.version, version);
        }
      }
    }
    return {
      info,
      includedChannels,
      versions: new Map(versions.map((version) => [version.version, version])),
      published: versions.filter((version) => version.status === 'published'),
      eligible: [...eligibleById.values()].sort(newestFirst),
      yanked: versions.filter((version) => version.status === 'yanked'),
    };
  });
  const channelById = new Map(channels.map((channel) => [channel.info.id, channel]));
  const headline = channelById.get('stable') ?? channels[0];
  return {
    project: projectInfoOf(rows.project),
    channels,
    channelById,
    latestVersion: headline?.eligible[0],
  };
}

/**
 * A published version as a reader of `channel` sees it: the channel's own, else one offered through
 * its included channels (so that what `/latest` returns can be opened under the same channel).
 */
export function findPublishedVersion(
  snapshot: ProjectSnapshot,
  channel: ChannelSnapshot,
  versionId: string,
): VersionSnapshot | undefined {
  for (const channelId of [channel.info.id, ...channel.includedChannels]) {
    const version = snapshot.channelById.get(channelId)?.versions.get(versionId);
    if (version?.status === 'published') return version;
  }
  return undefined;
}

export function versionDownloads(version: VersionSnapshot, counts: DownloadCounts): number {
  let total = 0;
  for (const build of version.builds) {
    total += counts.get(downloadKey(version.channelId, version.version, build.id)) ?? 0;
  }
  return total;
}

export function totalDownloads(counts: DownloadCounts): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}
