/**
 * What `lunarbit release publish` does with each file it is given, decided from the names alone
 * (pure, so the whole output folder of a build tool can be checked before anything is sent):
 *
 * - builds: platform, architecture and format from the GitHub sync's matcher (`matchReleaseAssets`),
 *   ids from the sync's rule (`assignBuildIds`): `macos-universal` for the preferred file of a
 *   target, `macos-universal-zip` for the next;
 * - `.sig` files (Tauri's updater signatures): the signature of the build they sign;
 * - recognised companions that are not builds — electron-builder's `.blockmap`, `latest*.yml`,
 *   `builder-debug.yml`, `builder-effective-config.yaml`, Squirrel's `RELEASES` and delta packages,
 *   the NSIS uninstaller it leaves behind, Tauri's packaging scripts and icon (`bundle_dmg.sh`,
 *   `build_appimage.sh`, `.icns`), checksum lists, debug symbols, builds for architectures the
 *   catalog does not serve (`armv7l`, `armhf`) — and directories: skipped, with the reason;
 * - anything else: a usage error naming the file, before any upload.
 *
 * Files whose name does not say the architecture get the matcher's default (Windows and Linux `x64`,
 * macOS `universal`, narrowed by the names of the other files) unless `defaultArchitectures` says
 * otherwise for their platform.
 */
import path from 'node:path';
import { type Architecture, matchReleaseAssets, type Platform } from '../github/asset-matcher.js';
import { assignBuildIds } from '../github/build-ids.js';

export interface PlannedBuild {
  /** The path as given. */
  file: string;
  name: string;
  id: string;
  platform: Platform;
  architecture: Architecture;
  /** Whether the name said the architecture, the default rule chose it, or `--default-arch` did. */
  architectureSource: 'named' | 'default' | 'option';
  format: string;
  /** The `.sig` file whose text is this build's signature. */
  signatureFile: string | undefined;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface PublishPlan {
  /** In upload order: the preferred file of each target (plain id) first, then the others. */
  builds: PlannedBuild[];
  skipped: SkippedFile[];
  /** Files that cannot be published as given; nothing is uploaded while there are any. */
  problems: string[];
}

export interface LocalEntry {
  file: string;
  isDirectory: boolean;
}

const SKIP_REASONS: Readonly<Record<string, string>> = {
  blockmap: 'electron-builder blockmap (differential-update data), not a build',
  metadata: 'updater metadata; the gateway serves its own feeds',
  checksums: 'checksum list; the gateway computes checksums of what it stores',
  'delta package': 'Squirrel delta package; only full packages are builds',
  uninstaller: 'NSIS uninstaller left by electron-builder, not a build',
  'debug symbols': 'debug symbols, not a build',
  'source archive': 'source archive, not a build',
  'unsupported architecture': 'an architecture the catalog does not serve (x64, arm64, x86, universal)',
};

// `builder-debug.yml`, `builder-effective-config.yaml`.
const BUILD_LOG = "electron-builder's build log or effective configuration, not a build";
// What `tauri build` leaves next to its bundles (`bundle/dmg/bundle_dmg.sh`, the volume icon,
// `bundle/appimage/build_appimage.sh`), so that `bundle/*/*` can be given as it is.
const TAURI_BYPRODUCT = /^(bundle_dmg\.sh|build_appimage\.sh|.+\.icns)$/i;

export function planPublish(
  entries: readonly LocalEntry[],
  options: {
    defaultArchitectures?: Partial<Record<Platform, Architecture>>;
    /** File names of builds already in the draft being resumed: they keep the ids a full run gives. */
    existingFileNames?: readonly string[];
  } = {},
): PublishPlan {
  const skipped: SkippedFile[] = [];
  const problems: string[] = [];
  const files: { file: string; name: string }[] = [];
  const byName = new Map<string, string>();
  for (const entry of entries) {
    if (entry.isDirectory) {
      skipped.push({
        file: entry.file,
        reason: `directory; pass the files inside it (e.g. ${path.join(entry.file, '*')})`,
      });
      continue;
    }
    const name = path.basename(entry.file);
    const other = byName.get(name);
    if (other !== undefined) {
      if (other !== entry.file) problems.push(`Two files are named ${name}: ${other} and ${entry.file}`);
      continue;
    }
    byName.set(name, entry.file);
    files.push({ file: entry.file, name });
  }

  const local = new Set(files.map((f) => f.name));
  const names = [
    ...files.map((f) => f.name),
    ...(options.existingFileNames ?? []).filter((n) => !local.has(n)),
  ];
  const matches = matchReleaseAssets(names).map(({ name, match }) => {
    const override = match.kind === 'build' ? options.defaultArchitectures?.[match.platform] : undefined;
    if (match.kind !== 'build' || match.architectureSource !== 'default' || override === undefined) {
      return { name, match, source: match.kind === 'build' ? match.architectureSource : undefined };
    }
    return { name, match: { ...match, architecture: override }, source: 'option' as const };
  });
  const buildMatches = matches.flatMap((entry) =>
    entry.match.kind === 'build' ? [{ ...entry, match: entry.match }] : [],
  );
  const ids = new Map(assignBuildIds(buildMatches).map((id, index) => [buildMatches[index]!.name, id]));

  const signatures = new Map<string, string>();
  const builds: PlannedBuild[] = [];
  for (const [index, { file, name }] of files.entries()) {
    const { match, source } = matches[index]!;
    if (match.kind === 'build') {
      builds.push({
        file,
        name,
        id: ids.get(name)!,
        platform: match.platform,
        architecture: match.architecture,
        architectureSource: source ?? 'named',
        format: match.format,
        signatureFile: undefined,
      });
    } else if (
      match.kind === 'attachment' &&
      match.attachment === 'signature' &&
      match.relatesTo !== undefined
    ) {
      signatures.set(match.relatesTo, file);
    } else if (match.kind === 'attachment') {
      const buildLog = match.attachment === 'metadata' && name.toLowerCase().startsWith('builder-');
      skipped.push({ file, reason: buildLog ? BUILD_LOG : SKIP_REASONS[match.attachment]! });
    } else if (TAURI_BYPRODUCT.test(name)) {
      skipped.push({ file, reason: "tauri's packaging script or icon, not a build" });
    } else if (SKIP_REASONS[match.reason] !== undefined) {
      skipped.push({ file, reason: SKIP_REASONS[match.reason]! });
    } else {
      problems.push(
        `Cannot tell the platform of ${name} from its name (${match.reason}); rename it (e.g. app-1.2.0-win-x64.exe)`,
      );
    }
  }
  for (const [signed, file] of signatures) {
    const build = builds.find((candidate) => candidate.name === signed);
    if (build !== undefined) build.signatureFile = file;
    else skipped.push({ file, reason: `signature of ${signed}, which is not among the files` });
  }
  const plain = (build: PlannedBuild) => build.id === `${build.platform}-${build.architecture}`;
  return { builds: [...builds.filter(plain), ...builds.filter((b) => !plain(b))], skipped, problems };
}
