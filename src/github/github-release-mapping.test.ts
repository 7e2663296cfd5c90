import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GithubAsset, GithubRelease } from './github-client.js';
import { mapReleases, type PlannedVersion, sha256FromDigest } from './github-release-mapping.js';

let id = 1;
function asset(name: string, extra: Partial<GithubAsset> = {}): GithubAsset {
  const assetId = id++;
  return {
    id: assetId,
    name,
    size: 10,
    url: `https://api.github.com/repos/o/r/releases/assets/${assetId}`,
    browser_download_url: `https://github.com/o/r/releases/download/v1/${name}`,
    ...extra,
  };
}

function release(tag: string, extra: Partial<GithubRelease> = {}): GithubRelease {
  return {
    id: id++,
    tag_name: tag,
    name: null,
    body: null,
    draft: false,
    prerelease: false,
    created_at: '2026-01-01T00:00:00Z',
    published_at: '2026-01-01T00:00:00Z',
    assets: [],
    ...extra,
  };
}

const options = { prereleaseChannel: 'beta', isPrivate: false };
const planned = (mapping: ReturnType<typeof mapReleases>[number]) => {
  assert.equal(mapping.kind, 'version');
  return mapping as PlannedVersion;
};

describe('mapReleases', () => {
  it('routes by the prerelease flag and by semver prerelease tags', () => {
    const [flagged, tagged, stable] = mapReleases(
      [release('v2.0.0', { prerelease: true }), release('v2.1.0-rc.1'), release('2.0.1')],
      options,
    );
    assert.equal(planned(flagged!).channelId, 'beta');
    assert.equal(planned(tagged!).channelId, 'beta');
    assert.equal(planned(stable!).channelId, 'stable');
  });

  it('compares a backport with the version below it, not with the newest release', () => {
    const mappings = mapReleases([release('v1.4.1'), release('v2.0.0'), release('v1.4.0')], options);
    assert.deepEqual(
      mappings.map((mapping) => planned(mapping).breaking),
      [false, true, false],
    );
  });

  it('gives the plain target id to the preferred file and suffixed ids to the others', () => {
    const [mapping] = mapReleases(
      [
        release('v1.0.0', {
          assets: [
            asset('App-1.0.0-win.zip'),
            asset('App-Portable-1.0.0.exe'),
            asset('App-Setup-1.0.0.exe'),
            asset('App-1.0.0.msi'),
          ],
        }),
      ],
      options,
    );
    assert.deepEqual(
      planned(mapping!).builds.map((build) => [build.file_name, build.id]),
      [
        ['App-1.0.0-win.zip', 'windows-x64-zip'],
        ['App-Portable-1.0.0.exe', 'windows-x64-exe-portable'],
        ['App-Setup-1.0.0.exe', 'windows-x64'],
        ['App-1.0.0.msi', 'windows-x64-msi'],
      ],
    );
  });

  it('uses the API asset URL for private repositories', () => {
    const [pub] = mapReleases([release('v1.0.0', { assets: [asset('App.exe')] })], options);
    const [priv] = mapReleases([release('v1.0.0', { assets: [asset('App.exe')] })], {
      ...options,
      isPrivate: true,
    });
    assert.match(planned(pub!).builds[0]!.download_url, /^https:\/\/github\.com\//);
    assert.match(planned(priv!).builds[0]!.download_url, /^https:\/\/api\.github\.com\/repos\//);
  });

  it('changes the fingerprint when the release changes, not otherwise', () => {
    const base = release('v1.0.0', { body: 'notes', assets: [asset('App.exe')] });
    const first = planned(mapReleases([base], options)[0]!).fingerprint;
    assert.equal(planned(mapReleases([{ ...base }], options)[0]!).fingerprint, first);
    assert.notEqual(planned(mapReleases([{ ...base, body: 'other' }], options)[0]!).fingerprint, first);
  });

  it('skips drafts, non-semver tags and duplicates', () => {
    const mappings = mapReleases(
      [release('v1.0.0', { draft: true }), release('nightly'), release('v1.1.0'), release('1.1.0')],
      options,
    );
    assert.deepEqual(
      mappings.map((mapping) => (mapping.kind === 'skipped' ? mapping.reason : mapping.version)),
      [
        'draft release',
        'tag is not a semantic version',
        '1.1.0',
        'another release already maps to version 1.1.0',
      ],
    );
  });
});

describe('sha256FromDigest', () => {
  it('reads sha256 digests only', () => {
    assert.equal(sha256FromDigest(`sha256:${'A'.repeat(64)}`), 'a'.repeat(64));
    assert.equal(sha256FromDigest(`sha512:${'a'.repeat(128)}`), undefined);
    assert.equal(sha256FromDigest(null), undefined);
  });
});
