/**
 * GitHub release → catalog version and builds. Pure: the sync fetches, this decides.
 *
 * - Drafts are skipped. The tag is the version (a leading `v` stripped); tags that are not strict
 *   semver are skipped with the reason.
 * - Prereleases — GitHub's `prerelease` flag, or a semver prerelease tag such as `v2.0.0-rc.1` —
 *   go to the prerelease channel (`GITHUB_PRERELEASE_CHANNEL`, default `beta`); the rest to `stable`.
 * - The release body is the version's `release_notes`; `breaking_changes` comes from
 *   `detectBreakingChanges` over the notes and the previous version by semver (a major bump).
 * - Each asset goes through `matchReleaseAssets`: builds become catalog builds, `.sig` files become
 *   the signature of the asset they sign, checksum lists feed the builds' SHA-256, the rest is
 *   reported as skipped. Build ids follow `assignBuildIds` (`build-ids.ts`, shared with the CLI):
 *   `<platform>-<architecture>`, and `<platform>-<architecture>-<format>` for further files of a target.
 * - Public repositories' builds download from `browser_download_url`; private ones store the API
 *   asset URL, which the gateway exchanges for a short-lived URL at download time.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { normalizeVersion } from '../catalog/catalog-semver.js';
import { type BuildMatch, matchReleaseAssets } from './asset-matcher.js';
import { detectBreakingChanges } from './breaking-changes.js';
import { assignBuildIds } from './build-ids.js';
import type { GithubAsset, GithubRelease } from './github-client.js';

export const STABLE_CHANNEL = 'stable';

export interface PlannedBuild {
  id: string;
  platform: string;
  architecture: string;
  file_name: string;
  file_size: number;
  download_url: string;
  /** From the asset's `digest`; otherwise looked up in the release's checksum lists. */
  digest: string | undefined;
  /** The `.sig` asset whose contents are this build's signature. */
  signatureAsset: GithubAsset | undefined;
}

export interface PlannedVersion {
  kind: 'version';
  releaseId: string;
  tag: string;
  version: string;
  channelId: string;
  name: string;
  releaseNotes: string;
  breaking: boolean;
  publishedAt: string | null;
  builds: PlannedBuild[];
  checksumAssets: GithubAsset[];
  skippedAssets: { asset: string; reason: string }[];
  /** Changes whenever anything above (or an attachment) changes on GitHub. */
  fingerprint: string;
}

export type ReleaseMapping = PlannedVersion | { kind: 'skipped'; tag: string; reason: string };

/** `sha256:<hex>` → hex; anything else (other algorithms, malformed) → undefined. */
export function sha256FromDigest(digest: string | null | undefined): string | undefined {
  const match = /^sha256:([0-9a-fA-F]{64})$/.exec(digest?.trim() ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
}

/** The version a tag names, or undefined when it is not semver. */
export function versionOfTag(tag: string): string | undefined {
  return normalizeVersion(tag);
}

function assignBuilds(
  release: GithubRelease,
  isPrivate: boolean,
): Pick<PlannedVersion, 'builds' | 'checksumAssets' | 'skippedAssets'> {
  const byName = new Map(release.assets.map((asset) => [asset.name, asset]));
  const matches = matchReleaseAssets(release.assets.map((asset) => asset.name));
  const signatures = new Map<string, GithubAsset>();
  const checksumAssets: GithubAsset[] = [];
  const skippedAssets: { asset: string; reason: string }[] = [];
  const builds: { asset: GithubAsset; match: BuildMatch }[] = [];
  matches.forEach(({ name, match }) => {
    const asset = byName.get(name)!;
    if (match.kind === 'build') builds.push({ asset, match });
    else if (match.kind === 'ignored') skippedAssets.push({ asset: name, reason: match.reason });
    else if (match.attachment === 'checksums' && match.relatesTo === undefined) checksumAssets.push(asset);
    else if (match.attachment === 'signature' && match.relatesTo !== undefined)
      signatures.set(match.relatesTo, asset);
    else if (match.attachment === 'checksums') checksumAssets.push(asset);
  });

  const ids = assignBuildIds(builds);
  return {
    builds: builds.map(({ asset, match }, index) => ({
      id: ids[index]!,
      platform: match.platform,
      architecture: match.architecture,
      file_name: asset.name,
      file_size: asset.size,
      download_url: isPrivate ? asset.url : asset.browser_download_url,
      digest: sha256FromDigest(asset.digest),
      signatureAsset: signatures.get(asset.name),
    })),
    checksumAssets,
    skippedAssets,
  };
}

function fingerprintOf(plan: Omit<PlannedVersion, 'fingerprint'>): string {
  const attachment = (asset: GithubAsset | undefined) =>
    asset && [asset.id, asset.name, asset.size, asset.digest ?? null, asset.updated_at ?? null];
  const material = {
    ...plan,
    builds: plan.builds.map((build) => ({ ...build, signatureAsset: attachment(build.signatureAsset) })),
    checksumAssets: plan.checksumAssets.map(attachment),
  };
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

/**
 * Maps every release of a repository. `previous` versions for the major-bump rule are taken from
 * the whole listing by semver, so a backported `1.4.1` published after `2.0.0` is compared with
 * `1.4.0`, not with `2.0.0`.
 */
export function mapReleases(
  releases: readonly GithubRelease[],
  options: { prereleaseChannel: string; isPrivate: boolean },
): ReleaseMapping[] {
  const versions = releases
    .filter((release) => !release.draft)
    .map((release) => versionOfTag(release.tag_name))
    .filter((version): version is string => version !== undefined)
    .sort(semver.compare);
  const previousOf = (version: string) => versions.filter((other) => semver.lt(other, version)).at(-1);
  const seen = new Set<string>();

  return releases.map((release): ReleaseMapping => {
    const tag = release.tag_name;
    if (release.draft) return { kind: 'skipped', tag, reason: 'draft release' };
    const version = versionOfTag(tag);
    if (version === undefined) return { kind: 'skipped', tag, reason: 'tag is not a semantic version' };
    const prerelease = release.prerelease || semver.prerelease(version) !== null;
    const channelId = prerelease ? options.prereleaseChannel : STABLE_CHANNEL;
    if (seen.has(`${channelId}/${version}`)) {
      return { kind: 'skipped', tag, reason: `another release already maps to version ${version}` };
    }
    seen.add(`${channelId}/${version}`);
    const notes = release.body ?? '';
    const plan = {
      kind: 'version' as const,
      releaseId: String(release.id),
      tag,
      version,
      channelId,
      name: release.name?.trim() || tag,
      releaseNotes: notes,
      breaking: detectBreakingChanges(notes, { previousVersion: previousOf(version), version }).breaking,
      publishedAt: release.published_at,
      ...assignBuilds(release, options.isPrivate),
    };
    return { ...plan, fingerprint: fingerprintOf(plan) };
  });
}
