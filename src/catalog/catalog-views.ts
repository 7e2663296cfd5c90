/**
 * Shapes of catalog responses, built from the snapshot (readers) or from rows (admin writes). Field
 * names follow the API reference; the response schemas then drop anything not declared.
 */
import type { Static } from 'typebox';
import { buildLink, type Links } from './build-links.js';
import type {
  AdminBuild,
  AdminChannel,
  AdminProject,
  AdminVersion,
  AdminVersionListEntry,
} from './catalog-admin-schemas.js';
import type { ProjectSummary } from './catalog-read-model.js';
import type { BuildRow, ChannelRow, ProjectRow, VersionRow } from './catalog-repo.js';
import type {
  BuildDetails,
  ChannelView,
  ProjectDetails,
  ProjectListItem,
  VersionDetails,
  VersionListItem,
} from './catalog-schemas.js';
import {
  type BuildSnapshot,
  buildDownloadPath,
  type ChannelInfo,
  checksumOf,
  type DownloadCounts,
  downloadKey,
  type ProjectSnapshot,
  totalDownloads,
  type VersionSnapshot,
  versionDownloads,
} from './catalog-snapshot.js';

export function projectListItem(summary: ProjectSummary): Static<typeof ProjectListItem> {
  const { project } = summary;
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    repository: project.repository,
    channels: [...summary.channelIds],
    created_at: project.createdAt,
    updated_at: project.updatedAt,
  };
}

function channelView(info: ChannelInfo): Static<typeof ChannelView> {
  return {
    id: info.id,
    name: info.name,
    description: info.description,
    auto_update: info.autoUpdate,
    includes: [...info.includes],
  };
}

export function projectDetails(
  snapshot: ProjectSnapshot,
  counts: DownloadCounts,
): Static<typeof ProjectDetails> {
  const { project } = snapshot;
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    repository: project.repository,
    homepage: project.homepage,
    channels: snapshot.channels.map((channel) => channelView(channel.info)),
    latest_version: snapshot.latestVersion?.version ?? null,
    total_downloads: totalDownloads(counts),
    created_at: project.createdAt,
    updated_at: project.updatedAt,
  };
}

export function versionListItem(
  version: VersionSnapshot,
  counts: DownloadCounts,
): Static<typeof VersionListItem> {
  return {
    id: version.version,
    name: version.name,
    description: version.description,
    release_notes: version.releaseNotes,
    breaking_changes: version.breakingChanges,
    published_at: version.publishedAt ?? version.createdAt,
    downloads: versionDownloads(version, counts),
    build_count: version.builds.length,
  };
}

export function versionDetails(
  version: VersionSnapshot,
  counts: DownloadCounts,
  links: Links,
): Static<typeof VersionDetails> {
  return {
    id: version.version,
    name: version.name,
    description: version.description,
    release_notes: version.releaseNotes,
    breaking_changes: version.breakingChanges,
    published_at: version.publishedAt ?? version.createdAt,
    downloads: versionDownloads(version, counts),
    builds: version.builds.map((build) => ({
      id: build.id,
      platform: build.platform,
      architecture: build.architecture,
      file_name: build.fileName,
      file_size: build.fileSize,
      download_url: buildLink(build, links),
      checksum: build.checksum,
    })),
    channel: version.channelId,
    min_supported_version: version.minSupportedVersion,
  };
}

export function buildDetails(
  build: BuildSnapshot,
  counts: DownloadCounts,
  links: Links,
): Static<typeof BuildDetails> {
  return {
    id: build.id,
    version: build.version,
    platform: build.platform,
    architecture: build.architecture,
    file_name: build.fileName,
    file_size: build.fileSize,
    download_url: buildLink(build, links),
    checksum: build.checksum,
    ...(build.signature !== null ? { signature: build.signature } : {}),
    ...(build.minOsVersion !== null ? { min_os_version: build.minOsVersion } : {}),
    created_at: build.createdAt,
    downloads: counts.get(downloadKey(build.channelId, build.version, build.id)) ?? 0,
    status: build.status,
    verified_at: build.verifiedAt,
  };
}

export function adminChannel(row: ChannelRow): AdminChannel {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    auto_update: row.auto_update === 1,
    includes: JSON.parse(row.includes) as string[],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function adminProject(row: ProjectRow, channels: ChannelRow[]): AdminProject {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    repository: row.repository,
    homepage: row.homepage,
    public_feeds: row.public_feeds === 1,
    channels: channels.map(adminChannel),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function storedLink(row: BuildRow, base: string): string {
  const path = buildDownloadPath(row);
  return path === null ? row.download_url : `${base}${path}`;
}

/** `base`: the gateway's absolute base URL, for the download link of an uploaded build. */
export function adminBuild(row: BuildRow, base = ''): AdminBuild {
  return {
    id: row.id,
    version: row.version,
    platform: row.platform,
    architecture: row.architecture,
    file_name: row.file_name,
    file_size: Number(row.file_size),
    download_url: storedLink(row, base),
    checksum: checksumOf(row),
    signature: row.signature,
    min_os_version: row.min_os_version,
    status: row.status,
    status_reason: row.status_reason,
    verified_at: row.verified_at,
    verification_attempts: Number(row.verification_attempts),
    next_retry_at: row.next_retry_at,
    stored: row.storage_key !== null,
    downloads: Number(row.downloads),
    created_at: row.created_at,
  };
}

/** What the admin list and the admin view of a version share. */
function adminVersionFields(row: VersionRow) {
  return {
    id: row.version,
    channel: row.channel_id,
    name: row.name,
    description: row.description,
    breaking_changes: row.breaking_changes === 1,
    min_supported_version: row.min_supported_version,
    rollout_percentage: row.rollout_percentage,
    status: row.status,
    published_at: row.published_at,
    yanked_at: row.yanked_at,
    yank_reason: row.yank_reason,
    source: row.source,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function adminVersion(row: VersionRow, builds: BuildRow[], base = ''): AdminVersion {
  return {
    ...adminVersionFields(row),
    release_notes: row.release_notes,
    edited_fields: JSON.parse(row.edited_fields) as string[],
    builds: builds.map((build) => adminBuild(build, base)),
  };
}

export function adminVersionListItem(row: VersionRow, buildCount: number): AdminVersionListEntry {
  return { ...adminVersionFields(row), build_count: buildCount };
}
