/**
 * Table types for Kysely. Portable across SQLite and PostgreSQL: timestamps are ISO-8601 UTC text
 * (they sort as text), booleans are 0/1 integers, structured values are JSON text.
 */
import type { Generated } from 'kysely';
import type { LatencyColumn } from '../keys/latency-histogram.js';

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON text: what changed, never a secret. */
  details: string;
  request_id: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  name_lower: string;
  description: string;
  key_hash: string;
  /** The first 8 secret characters, for masked display. */
  key_prefix: string;
  /** Hash of the secret replaced by the last rotation, valid until `previous_key_expires_at`. */
  previous_key_hash: string | null;
  previous_key_expires_at: string | null;
  /** JSON `PermissionSet`. */
  permissions: string;
  rate_limit: number | null;
  /** JSON array of project ids; null means every project. */
  allowed_projects: string | null;
  /** JSON array of strings. */
  tags: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  created_by: string;
}

export interface ApiKeyUsageDailyTable {
  key_id: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** Usage per key per 5 minutes (`minutes` 5, the last day), hour (60, 90 days) and day (1440). */
export type ApiKeyUsageBucketsTable = {
  /** A key record's id, or `admin`. */
  key_id: string;
  /** Start of the bucket, ISO-8601 UTC (`2026-02-07T12:00:00Z`). */
  starts_at: string;
  /** Length of the bucket: 5, 60 or 1440. */
  minutes: number;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
} & Record<LatencyColumn, number>;

/** AI tokens per key and model, in the same buckets as `api_key_usage_buckets`. */
export interface ApiKeyModelTokensTable {
  key_id: string;
  /** The model that answered (or, when the provider did not say, the one asked for). */
  model: string;
  starts_at: string;
  /** Length of the bucket: 5, 60 or 1440. */
  minutes: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ConsoleSessionsTable {
  /** SHA-256 (hex) of the session token the cookie holds. */
  id_hash: string;
  /** The key record's id, or `admin`. */
  key_id: string;
  /** SHA-256 (hex) of the secret signed in with: the session lasts while that secret works. */
  key_hash: string;
  created_at: string;
  expires_at: string;
}

export type VersionStatus = 'draft' | 'published' | 'yanked';
export type VersionSource = 'manual' | 'github';
export type BuildStatus = 'pending' | 'verified' | 'failed';

export interface ProjectsTable {
  id: string;
  name: string;
  description: string;
  /** `owner/name` on GitHub. */
  repository: string | null;
  homepage: string | null;
  /** 0/1: native updater feeds served without a key. */
  public_feeds: number;
  created_at: string;
  updated_at: string;
}

export interface ChannelsTable {
  project_id: string;
  id: string;
  name: string;
  description: string;
  auto_update: number;
  /** JSON array of channel ids whose releases this channel also offers. */
  includes: string;
  /** Creation order within the project (the order readers see). */
  position: number;
  created_at: string;
  updated_at: string;
}

export interface VersionsTable {
  project_id: string;
  channel_id: string;
  /** Normalised semver, no leading `v`: the version's id. */
  version: string;
  name: string;
  description: string;
  release_notes: string;
  breaking_changes: number;
  min_supported_version: string | null;
  rollout_percentage: number;
  status: VersionStatus;
  published_at: string | null;
  yanked_at: string | null;
  yank_reason: string | null;
  source: VersionSource;
  /** JSON array of field names changed through the admin API (a sync must not overwrite them). */
  edited_fields: string;
  created_at: string;
  updated_at: string;
}

export interface BuildsTable {
  project_id: string;
  channel_id: string;
  version: string;
  id: string;
  platform: string;
  architecture: string;
  file_name: string;
  file_size: number;
  download_url: string;
  sha256: string;
  sha512: string | null;
  /** Hex; Squirrel.Windows identifies packages by it (added by migration 0004). */
  sha1: string | null;
  md5: string | null;
  signature: string | null;
  /** Lowest OS version the build runs on (added by migration 0007). */
  min_os_version: string | null;
  status: BuildStatus;
  status_reason: string | null;
  /** When the verifier last set `status` (null while never verified). */
  verified_at: string | null;
  /** Checks in a row that could not reach the file (0 after a conclusive one; migration 0008). */
  verification_attempts: Generated<number>;
  /** When the verifier tries again after such a check; null when no retry is scheduled. */
  next_retry_at: string | null;
  /** Where an uploaded build's file is in the artifact storage; null for builds hosted elsewhere. */
  storage_key: string | null;
  /** Added in batches by the download counter. */
  downloads: number;
  /** Order in which the version's builds were added (readers see them in this order). */
  position: number;
  created_at: string;
  updated_at: string;
}

/** One row per project synchronised from GitHub Releases. */
export interface GithubSyncStateTable {
  project_id: string;
  /** `owner/name` the state below belongs to; a different repository starts afresh. */
  repository: string;
  /** 0/1: private repositories are downloaded through the API with the token. */
  is_private: number;
  last_run_at: string | null;
  last_status: string | null;
  last_success_at: string | null;
  /** GitHub refused for rate limiting: no request for this project before then. */
  rate_limited_until: string | null;
  updated_at: string;
}

/** `ETag` of each GitHub API URL last read for a project, for conditional requests. */
export interface GithubEtagsTable {
  project_id: string;
  url: string;
  etag: string;
  /** The page's `rel="next"` link, so an unchanged listing is walked without bodies. */
  next_url: string | null;
  updated_at: string;
}

/** Which GitHub release a synchronised version came from, and what the sync last wrote for it. */
export interface GithubReleasesTable {
  project_id: string;
  channel_id: string;
  version: string;
  release_id: string;
  tag: string;
  /** Hash of everything the sync derived from the release: unchanged means nothing to write. */
  fingerprint: string;
  /** JSON array of the build ids the sync created (others were added by hand and are left alone). */
  build_ids: string;
  updated_at: string;
}

/** At most one instance synchronises a project at a time. */
export interface GithubSyncLocksTable {
  project_id: string;
  holder: string;
  expires_at: string;
}

/** Events published to the other instances, kept minutes (see infra/change-log.ts). */
export interface ChangeLogTable {
  id: Generated<number>;
  event_id: string;
  origin: string;
  topic: string;
  /** JSON text. */
  payload: string;
  at: Generated<Date | string>;
}

export interface Tables {
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  api_key_usage_daily: ApiKeyUsageDailyTable;
  api_key_usage_buckets: ApiKeyUsageBucketsTable;
  api_key_model_tokens: ApiKeyModelTokensTable;
  console_sessions: ConsoleSessionsTable;
  projects: ProjectsTable;
  channels: ChannelsTable;
  versions: VersionsTable;
  builds: BuildsTable;
  github_sync_state: GithubSyncStateTable;
  github_etags: GithubEtagsTable;
  github_releases: GithubReleasesTable;
  github_sync_locks: GithubSyncLocksTable;
  change_log: ChangeLogTable;
}
