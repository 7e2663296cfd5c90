/**
 * electron-updater's generic provider reads `<channel>[-mac|-linux][-arm64].yml` next to the files:
 * `version`, `files[{url, sha512, size}]` (sha512 in base64), `path` and `sha512` of the main file,
 * `releaseDate`, and `stagingPercentage`, with which electron-updater runs the staged rollout itself
 * (it keeps its own random id per installation). Versions rolled out to 0 % are skipped: nobody may
 * have them, and the previous version stays on offer.
 */
import { Document, Scalar } from 'yaml';
import { buildLink, type Links } from '../../catalog/build-links.js';
import type { BuildSnapshot, ChannelSnapshot, VersionSnapshot } from '../../catalog/catalog-snapshot.js';
import { electronUpdaterAccepts, sha512Base64 } from './feed-builds.js';

export interface YmlTarget {
  /** The channel the file names when it is not `latest` or the path's own channel. */
  channel: string | undefined;
  platform: 'windows' | 'macos' | 'linux';
  /** Build architectures the file lists, in preference order. */
  architectures: readonly string[];
}

/**
 * `latest.yml`, `latest-mac.yml`, `latest-linux-arm64.yml`, …: `latest` or the path's channel means
 * that channel; any other name is the channel electron-updater was set to (`beta.yml`), which the
 * caller looks up in the project.
 */
export function ymlTarget(fileName: string, channelId: string): YmlTarget | undefined {
  const match = /^([a-z0-9-]+?)(-mac|-linux)?(-arm64)?\.yml$/.exec(fileName);
  if (match === null) return undefined;
  const channel = match[1] === 'latest' || match[1] === channelId ? undefined : match[1];
  const arm64 = match[3] !== undefined;
  if (match[2] === '-mac') {
    return {
      channel,
      platform: 'macos',
      architectures: arm64 ? ['arm64', 'universal'] : ['universal', 'x64', 'arm64'],
    };
  }
  return {
    channel,
    platform: match[2] === '-linux' ? 'linux' : 'windows',
    architectures: arm64 ? ['arm64'] : ['x64'],
  };
}

function filesOf(version: VersionSnapshot, target: YmlTarget): BuildSnapshot[] {
  const files: BuildSnapshot[] = [];
  for (const architecture of target.architectures) {
    for (const build of version.builds) {
      if (
        build.platform === target.platform &&
        build.architecture === architecture &&
        build.status !== 'failed' &&
        electronUpdaterAccepts(build)
      ) {
        files.push(build);
      }
    }
  }
  // The zip comes first on macOS: it is what MacUpdater installs; a dmg is for first installs.
  return files.sort((a, b) => Number(b.fileName.endsWith('.zip')) - Number(a.fileName.endsWith('.zip')));
}

/** The newest version with files for the target, and those files; undefined when there is none. */
export function latestForYml(
  channel: ChannelSnapshot,
  target: YmlTarget,
): { version: VersionSnapshot; files: BuildSnapshot[] } | undefined {
  for (const version of channel.eligible) {
    if (version.rolloutPercentage <= 0) continue;
    const files = filesOf(version, target);
    if (files.length > 0) return { version, files };
  }
  return undefined;
}

export function electronUpdaterYml(
  version: VersionSnapshot,
  files: readonly BuildSnapshot[],
  links: Links,
): string {
  const main = files[0]!;
  // Quoted, as electron-builder writes it: YAML 1.1 readers would otherwise turn it into a date.
  const releaseDate = new Scalar(version.publishedAt ?? version.createdAt);
  releaseDate.type = Scalar.QUOTE_SINGLE;
  const content: Record<string, unknown> = {
    version: version.version,
    files: files.map((build) => ({
      url: buildLink(build, links),
      sha512: sha512Base64(build.checksum.sha512!),
      size: build.fileSize,
    })),
    path: buildLink(main, links),
    sha512: sha512Base64(main.checksum.sha512!),
    releaseDate,
  };
  if (version.releaseNotes !== '') content.releaseNotes = version.releaseNotes;
  if (version.rolloutPercentage < 100) content.stagingPercentage = version.rolloutPercentage;
  return new Document(content).toString({ lineWidth: 0 });
}
