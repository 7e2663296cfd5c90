/** Snapshots built from rows, for the update service's unit and property tests. */
import type { BuildRow, ChannelRow, VersionRow } from '../../src/catalog/catalog-repo.js';
import { buildProjectSnapshot, type ProjectSnapshot } from '../../src/catalog/catalog-snapshot.js';
import type { VersionStatus } from '../../src/db/tables.js';

const T = '2026-02-07T12:00:00Z';

export interface VersionSpec {
  channel: string;
  version: string;
  status?: VersionStatus;
  breaking?: boolean;
  minSupported?: string | null;
  rollout?: number;
  /** `platform/architecture` of each build, in the order added. */
  targets?: string[];
}

export function snapshotOf(versions: VersionSpec[], channels = ['stable', 'beta']): ProjectSnapshot {
  const channelRows: ChannelRow[] = channels.map((id, position) => ({
    project_id: 'p',
    id,
    name: id,
    description: '',
    auto_update: 0,
    // Each channel includes the ones before it: beta offers stable releases, dev both.
    includes: JSON.stringify(channels.slice(0, position).reverse()),
    position,
    created_at: T,
    updated_at: T,
  }));
  const versionRows: VersionRow[] = versions.map((spec) => ({
    project_id: 'p',
    channel_id: spec.channel,
    version: spec.version,
    name: `v${spec.version}`,
    description: '',
    release_notes: `notes ${spec.version}`,
    breaking_changes: spec.breaking ? 1 : 0,
    min_supported_version: spec.minSupported ?? null,
    rollout_percentage: spec.rollout ?? 100,
    status: spec.status ?? 'published',
    published_at: spec.status === 'draft' ? null : T,
    yanked_at: null,
    yank_reason: null,
    source: 'manual',
    edited_fields: '[]',
    created_at: T,
    updated_at: T,
  }));
  const buildRows: BuildRow[] = versions.flatMap((spec) =>
    (spec.targets ?? ['windows/x64']).map((target, position) => {
      const [platform, architecture] = target.split('/') as [string, string];
      return {
        project_id: 'p',
        channel_id: spec.channel,
        version: spec.version,
        id: `${platform}-${architecture}`,
        platform,
        architecture,
        file_name: `p-${spec.version}-${platform}-${architecture}.zip`,
        file_size: 1,
        download_url: `https://cdn.example.com/${spec.channel}/${spec.version}/${platform}-${architecture}.zip`,
        sha256: 'a'.repeat(64),
        sha512: null,
        sha1: null,
        verified_at: null,
        verification_attempts: 0,
        next_retry_at: null,
        storage_key: null,
        md5: null,
        signature: null,
        min_os_version: null,
        status: 'pending' as const,
        status_reason: null,
        downloads: 0,
        position,
        created_at: T,
        updated_at: T,
      };
    }),
  );
  return buildProjectSnapshot({
    project: {
      id: 'p',
      name: 'P',
      description: '',
      repository: null,
      homepage: null,
      public_feeds: 0,
      created_at: T,
      updated_at: T,
    },
    channels: channelRows,
    versions: versionRows,
    builds: buildRows,
  });
}
