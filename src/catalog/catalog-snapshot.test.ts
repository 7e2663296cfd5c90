import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VersionStatus } from '../db/tables.js';
import type { BuildRow, ChannelRow, VersionRow } from './catalog-repo.js';
import {
  buildProjectSnapshot,
  findBuild,
  findPublishedVersion,
  type ProjectRows,
  resolveIncludedChannels,
} from './catalog-snapshot.js';
import { buildForTarget } from './catalog-targets.js';

const T = '2026-02-07T12:00:00Z';

function channel(id: string, includes: string[], position: number): ChannelRow {
  return {
    project_id: 'p',
    id,
    name: id,
    description: '',
    auto_update: 0,
    includes: JSON.stringify(includes),
    position,
    created_at: T,
    updated_at: T,
  };
}

function version(channelId: string, v: string, status: VersionStatus = 'published'): VersionRow {
  return {
    project_id: 'p',
    channel_id: channelId,
    version: v,
    name: `v${v}`,
    description: '',
    release_notes: '',
    breaking_changes: 0,
    min_supported_version: null,
    rollout_percentage: 100,
    status,
    published_at: status === 'draft' ? null : T,
    yanked_at: null,
    yank_reason: null,
    source: 'manual',
    edited_fields: '[]',
    created_at: T,
    updated_at: T,
  };
}

function build(channelId: string, v: string, platform: string, architecture: string, position = 0): BuildRow {
  return {
    project_id: 'p',
    channel_id: channelId,
    version: v,
    id: `${platform}-${architecture}`,
    platform,
    architecture,
    file_name: 'f',
    file_size: 1,
    download_url: 'https://cdn.example.com/f',
    sha256: 'a'.repeat(64),
    sha512: null,
    sha1: null,
    md5: null,
    signature: null,
    min_os_version: null,
    status: 'pending',
    status_reason: null,
    verified_at: null,
    verification_attempts: 0,
    next_retry_at: null,
    storage_key: null,
    downloads: 0,
    position,
    created_at: T,
    updated_at: T,
  };
}

function rows(channels: ChannelRow[], versions: VersionRow[], builds: BuildRow[] = []): ProjectRows {
  return {
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
    channels,
    versions,
    builds,
  };
}

describe('catalog snapshot', () => {
  it('resolves includes transitively, nearest first, ignoring cycles and unknown ids', () => {
    const declared = new Map([
      ['dev', ['beta']],
      ['beta', ['stable', 'gone']],
      ['stable', ['dev']],
    ]);
    assert.deepEqual(resolveIncludedChannels('dev', declared), ['beta', 'stable']);
    assert.deepEqual(resolveIncludedChannels('stable', declared), ['dev', 'beta']);
  });

  it('orders published versions newest first and keeps drafts and yanked versions out of them', () => {
    const snapshot = buildProjectSnapshot(
      rows(
        [channel('stable', [], 0)],
        [
          version('stable', '1.2.0-beta.2'),
          version('stable', '1.2.0'),
          version('stable', '1.3.0', 'draft'),
          version('stable', '1.2.1', 'yanked'),
          version('stable', '1.2.0-beta.10'),
        ],
      ),
    );
    const stable = snapshot.channelById.get('stable')!;
    assert.deepEqual(
      stable.published.map((v) => v.version),
      ['1.2.0', '1.2.0-beta.10', '1.2.0-beta.2'],
    );
    assert.deepEqual(
      stable.yanked.map((v) => v.version),
      ['1.2.1'],
    );
    assert.equal(stable.versions.size, 5, 'every state is kept for administrators and the update resolver');
    assert.equal(snapshot.latestVersion?.version, '1.2.0');
  });

  it('a channel offers its included channels’ releases, once each, from the nearest channel', () => {
    const snapshot = buildProjectSnapshot(
      rows(
        [channel('stable', [], 0), channel('beta', ['stable'], 1)],
        [
          version('stable', '1.0.0'),
          version('stable', '1.1.0'),
          version('beta', '1.1.0'),
          version('beta', '1.1.0-rc.1'),
        ],
      ),
    );
    const beta = snapshot.channelById.get('beta')!;
    assert.deepEqual(
      beta.eligible.map((v) => `${v.channelId}:${v.version}`),
      ['beta:1.1.0', 'beta:1.1.0-rc.1', 'stable:1.0.0'],
    );
    assert.equal(findPublishedVersion(snapshot, beta, '1.0.0')?.channelId, 'stable');
    assert.equal(
      findPublishedVersion(snapshot, snapshot.channelById.get('stable')!, '1.1.0-rc.1'),
      undefined,
    );
  });

  it('indexes builds by target in the order added; a universal mac build serves x64 and arm64', () => {
    const snapshot = buildProjectSnapshot(
      rows(
        [channel('stable', [], 0)],
        [version('stable', '1.0.0')],
        [build('stable', '1.0.0', 'macos', 'universal', 1), build('stable', '1.0.0', 'windows', 'x64', 0)],
      ),
    );
    const released = snapshot.channelById.get('stable')!.versions.get('1.0.0')!;
    assert.deepEqual(
      released.builds.map((b) => b.id),
      ['windows-x64', 'macos-universal'],
    );
    assert.equal(buildForTarget(released.builds, 'macos', 'arm64')?.id, 'macos-universal');
    assert.equal(buildForTarget(released.builds, 'windows', 'x64')?.id, 'windows-x64');
    assert.equal(buildForTarget(released.builds, 'windows', 'arm64'), undefined);
    assert.equal(buildForTarget(released.builds, 'linux', 'x64'), undefined);
    assert.equal(findBuild(released, 'macos-universal')?.platform, 'macos');
    assert.equal(findBuild(released, 'linux-x64'), undefined);
  });

  it('when two builds claim one target, the first added serves it', () => {
    const first = { id: 'a', platform: 'windows', architecture: 'x64' };
    const second = { id: 'b', platform: 'windows', architecture: 'x64' };
    const universal = { id: 'u', platform: 'macos', architecture: 'universal' };
    const arm = { id: 'm', platform: 'macos', architecture: 'arm64' };
    assert.equal(buildForTarget([first, second], 'windows', 'x64'), first);
    assert.equal(buildForTarget([universal, arm], 'macos', 'arm64'), arm, 'an exact build beats universal');
    assert.equal(buildForTarget([universal, arm], 'macos', 'x64'), universal);
  });

  it('the headline version comes from stable, or from the first channel when there is no stable', () => {
    const withoutStable = buildProjectSnapshot(
      rows(
        [channel('nightly', [], 0), channel('beta', [], 1)],
        [version('beta', '9.0.0'), version('nightly', '1.0.0')],
      ),
    );
    assert.equal(withoutStable.latestVersion?.version, '1.0.0');
    assert.equal(buildProjectSnapshot(rows([channel('stable', [], 0)], [])).latestVersion, undefined);
  });
});
