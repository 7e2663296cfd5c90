import { type AttachmentMatch, matchAttachment } from './asset-attachments.js';

/**
 * Maps a GitHub release asset's file name to a catalog build, an attachment of a build, or nothing.
 * Pure and case-insensitive; only the file name is read (a directory part is dropped).
 *
 * Order of decisions:
 * 1. Attachments (see `asset-attachments.ts`): `.sig`, `.blockmap`, checksum files, updater
 *    metadata. Never builds, whatever else the name says.
 * 2. Ignored: source archives (`src`/`source` word), debug symbols (`dsym`, `symbols`, `pdb`,
 *    `debuginfo`), Squirrel delta packages (`-delta.nupkg`; only full packages are builds), the
 *    NSIS uninstaller electron-builder leaves in its output folder (`… Setup 1.2.5.__uninstaller.exe`,
 *    `__uninstaller-nsis-app.exe`).
 * 3. Platform and format from the extension; archives need a platform word in the name:
 *
 * | extension                                                        | platform | format            |
 * | ---------------------------------------------------------------- | -------- | ----------------- |
 * | `.exe` `.msi` `.msix` `.appx` `.nupkg`                           | windows  | same as extension |
 * | `.msi.zip` `.nsis.zip` (Tauri v1 updater bundles)                | windows  | `msi.zip`/`nsis.zip` |
 * | `.dmg` `.pkg`                                                    | macos    | same as extension |
 * | `.app.tar.gz` (Tauri updater bundle)                             | macos    | `app.tar.gz`      |
 * | `.AppImage` `.deb` `.rpm` `.snap` `.flatpak` `.pacman` `.pkg.tar.zst` | linux | `appimage`, …, `pacman` |
 * | `.AppImage.tar.gz` (Tauri v1 updater bundle)                     | linux    | `appimage.tar.gz` |
 * | `.zip` `.tar.gz` `.tgz` `.tar.xz` `.tar.bz2` `.tar.zst`          | from the name's platform words, else ignored | `zip`, `tar.gz`, … |
 *
 *    Platform words: windows `win` `windows` `win32` `win64` `msvc`; macos `mac` `macos` `macosx`
 *    `osx` `darwin` `apple` (and `universal` when no other platform is named); linux `linux`
 *    `linux64` `ubuntu` `debian` `fedora`. An archive naming two platforms is ignored.
 * 4. Architecture from the name's words:
 *
 * | architecture | words                                                          |
 * | ------------ | -------------------------------------------------------------- |
 * | `x64`        | `x64` `amd64` `x86_64` `x86-64` `win64` `linux64` `intel`       |
 * | `arm64`      | `arm64` `aarch64` `AppleSilicon`                               |
 * | `universal`  | `universal`                                                    |
 * | `x86`        | `ia32` `x86` `i386` `i686` `linux32`; `win32` only when no other word names an architecture, because Electron uses `win32` as the platform name (`app-win32-x64-setup.exe` is x64) |
 * | not served   | `armhf` `armv7l` `armv7hl` `armv7` `armel` `arm` `ppc64le` `s390x` `riscv64` `loong64` → ignored |
 *
 *    Two different architectures in one name: macOS → `universal`; elsewhere ignored.
 * 5. Defaults when no architecture is named (`architectureSource: 'default'`):
 *    - windows and linux → `x64`: electron-builder leaves the default (x64) arch out of its
 *      artifact names, and 32-bit or ARM builds are always named.
 *    - macos → `universal`: a lone unnamed mac build is either universal (Obsidian) or Intel-only;
 *      offered as universal, an Intel-only build still runs on Apple silicon under Rosetta, while
 *      calling a universal build `x64` would leave arm64 users without an update.
 *      `matchReleaseAssets` narrows it to `x64` when the same release also names an arm64 or
 *      universal mac build of the same format (Joplin's `Joplin-3.5.13.dmg` + `Joplin-3.5.13-arm64.DMG`),
 *      and gives Tauri's `App.app.tar.gz` (a name that never carries the architecture) the one
 *      architecture the release's other mac builds name (`App_1.2.5_aarch64.dmg` → `arm64`).
 *
 * `portable: true` marks Windows portable executables (`balenaEtcher-Portable-1.18.11.exe`), so
 * the sync can prefer an installer when both exist.
 */

export type Platform = 'windows' | 'macos' | 'linux';
export type Architecture = 'x64' | 'arm64' | 'x86' | 'universal';
export type BuildFormat =
  | 'exe'
  | 'msi'
  | 'msix'
  | 'appx'
  | 'nupkg'
  | 'msi.zip'
  | 'nsis.zip'
  | 'dmg'
  | 'pkg'
  | 'app.tar.gz'
  | 'appimage'
  | 'appimage.tar.gz'
  | 'deb'
  | 'rpm'
  | 'snap'
  | 'flatpak'
  | 'pacman'
  | 'zip'
  | 'tar.gz'
  | 'tar.xz'
  | 'tar.bz2'
  | 'tar.zst';

export type BuildMatch = {
  kind: 'build';
  platform: Platform;
  architecture: Architecture;
  /** `named` when the file name says the architecture, `default` when the rule above chose it. */
  architectureSource: 'named' | 'default';
  format: BuildFormat;
  portable: boolean;
};

export type IgnoreReason =
  | 'empty name'
  | 'source archive'
  | 'debug symbols'
  | 'delta package'
  | 'uninstaller'
  | 'unknown file type'
  | 'archive without platform hint'
  | 'archive with several platform hints'
  | 'unsupported architecture'
  | 'several architectures';

export type IgnoredMatch = { kind: 'ignored'; reason: IgnoreReason };

export type AssetMatch = BuildMatch | AttachmentMatch | IgnoredMatch;

type FormatRule = { suffix: string; format: BuildFormat; platform?: Platform };

// Longest suffixes first, so `.app.tar.gz` wins over `.tar.gz` and `.pkg.tar.zst` over `.tar.zst`.
const FORMAT_RULES: readonly FormatRule[] = [
  { suffix: '.appimage.tar.gz', format: 'appimage.tar.gz', platform: 'linux' },
  { suffix: '.pkg.tar.zst', format: 'pacman', platform: 'linux' },
  { suffix: '.app.tar.gz', format: 'app.tar.gz', platform: 'macos' },
  { suffix: '.nsis.zip', format: 'nsis.zip', platform: 'windows' },
  { suffix: '.msi.zip', format: 'msi.zip', platform: 'windows' },
  { suffix: '.appimage', format: 'appimage', platform: 'linux' },
  { suffix: '.flatpak', format: 'flatpak', platform: 'linux' },
  { suffix: '.pacman', format: 'pacman', platform: 'linux' },
  { suffix: '.nupkg', format: 'nupkg', platform: 'windows' },
  { suffix: '.msix', format: 'msix', platform: 'windows' },
  { suffix: '.appx', format: 'appx', platform: 'windows' },
  { suffix: '.snap', format: 'snap', platform: 'linux' },
  { suffix: '.exe', format: 'exe', platform: 'windows' },
  { suffix: '.msi', format: 'msi', platform: 'windows' },
  { suffix: '.dmg', format: 'dmg', platform: 'macos' },
  { suffix: '.pkg', format: 'pkg', platform: 'macos' },
  { suffix: '.deb', format: 'deb', platform: 'linux' },
  { suffix: '.rpm', format: 'rpm', platform: 'linux' },
  { suffix: '.tar.bz2', format: 'tar.bz2' },
  { suffix: '.tar.zst', format: 'tar.zst' },
  { suffix: '.tar.gz', format: 'tar.gz' },
  { suffix: '.tar.xz', format: 'tar.xz' },
  { suffix: '.tgz', format: 'tar.gz' },
  { suffix: '.zip', format: 'zip' },
];

const PLATFORM_WORDS: Readonly<Record<Platform, readonly string[]>> = {
  windows: ['win', 'windows', 'win32', 'win64', 'msvc'],
  macos: ['mac', 'macos', 'macosx', 'osx', 'darwin', 'apple', 'applesilicon'],
  linux: ['linux', 'linux64', 'linux32', 'ubuntu', 'debian', 'fedora'],
};

const ARCHITECTURE_WORDS: Readonly<Record<Architecture, readonly string[]>> = {
  x64: ['x64', 'amd64', 'win64', 'linux64', 'intel'],
  arm64: ['arm64', 'aarch64', 'applesilicon'],
  universal: ['universal'],
  x86: ['ia32', 'x86', 'i386', 'i686', 'linux32'],
};

const UNSERVED_ARCHITECTURE_WORDS = new Set([
  'armhf',
  'armv7l',
  'armv7hl',
  'armv7',
  'armv6l',
  'armel',
  'arm',
  'ppc64le',
  'ppc64el',
  's390x',
  'riscv64',
  'loong64',
  'loongarch64',
  'mips64el',
]);

const SOURCE_WORDS = new Set(['src', 'source', 'sources']);
const DEBUG_WORDS = new Set(['dsym', 'symbols', 'pdb', 'debuginfo', 'debugsymbols']);

const DEFAULT_ARCHITECTURE: Readonly<Record<Platform, Architecture>> = {
  windows: 'x64',
  linux: 'x64',
  macos: 'universal',
};

/** Classifies one release asset by its file name. Never throws. */
export function matchAssetToBuild(fileName: string): AssetMatch {
  const baseName = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1).trim();
  if (baseName === '') return { kind: 'ignored', reason: 'empty name' };

  const attachment = matchAttachment(baseName);
  if (attachment) return attachment;

  const lower = baseName.toLowerCase();
  const words = nameWords(lower);
  if (hasAny(words, SOURCE_WORDS)) return { kind: 'ignored', reason: 'source archive' };
  if (hasAny(words, DEBUG_WORDS) || lower.endsWith('.pdb'))
    return { kind: 'ignored', reason: 'debug symbols' };
  if (lower.endsWith('-delta.nupkg')) return { kind: 'ignored', reason: 'delta package' };
  if (lower.includes('__uninstaller')) return { kind: 'ignored', reason: 'uninstaller' };

  const rule = FORMAT_RULES.find(
    (candidate) => lower.endsWith(candidate.suffix) && lower !== candidate.suffix,
  );
  if (!rule) return { kind: 'ignored', reason: 'unknown file type' };

  let platform = rule.platform;
  if (!platform) {
    const named = namedPlatforms(words);
    if (named.length === 0) return { kind: 'ignored', reason: 'archive without platform hint' };
    if (named.length > 1) return { kind: 'ignored', reason: 'archive with several platform hints' };
    platform = named[0]!;
  }

  const architecture = architectureOf(words, platform);
  if (architecture.kind === 'ignored') return architecture;
  return {
    kind: 'build',
    platform,
    architecture: architecture.value,
    architectureSource: architecture.source,
    format: rule.format,
    portable: words.has('portable'),
  };
}

export type ReleaseAssetMatch = { name: string; match: AssetMatch };

/**
 * Matches every asset of one release, then applies the rules that need the whole release to an
 * unnamed-arch macOS build:
 * - it is `x64` (not `universal`) when a sibling of the same format names `arm64` or `universal` —
 *   electron-builder's "default arch left out" convention;
 * - a Tauri updater bundle (`App.app.tar.gz`, never named by architecture) takes the architecture
 *   of the release's named mac builds when they all name the same one (`App_1.2.5_aarch64.dmg`).
 */
export function matchReleaseAssets(fileNames: readonly string[]): ReleaseAssetMatch[] {
  const matches = fileNames.map((name) => ({ name, match: matchAssetToBuild(name) }));
  const namedMac = matches.flatMap(({ match }) =>
    match.kind === 'build' && match.platform === 'macos' && match.architectureSource === 'named'
      ? [match]
      : [],
  );
  const namedMacFormats = new Set(
    namedMac.flatMap((match) =>
      match.architecture === 'arm64' || match.architecture === 'universal' ? [match.format] : [],
    ),
  );
  const namedMacArchitectures = new Set(namedMac.map((match) => match.architecture));
  const soleMacArchitecture = namedMacArchitectures.size === 1 ? [...namedMacArchitectures][0] : undefined;
  return matches.map(({ name, match }) => {
    if (match.kind !== 'build' || match.platform !== 'macos' || match.architectureSource !== 'default') {
      return { name, match };
    }
    if (namedMacFormats.has(match.format)) return { name, match: { ...match, architecture: 'x64' } };
    if (match.format === 'app.tar.gz' && soleMacArchitecture !== undefined) {
      return { name, match: { ...match, architecture: soleMacArchitecture } };
    }
    return { name, match };
  });
}

function nameWords(lowerName: string): Set<string> {
  const normalised = lowerName.replace(/x86[-_]64/g, 'x64').replace(/apple[-_ ]silicon/g, 'applesilicon');
  return new Set(normalised.split(/[^a-z0-9]+/).filter((word) => word !== ''));
}

function hasAny(words: ReadonlySet<string>, candidates: Iterable<string>): boolean {
  for (const candidate of candidates) if (words.has(candidate)) return true;
  return false;
}

function namedPlatforms(words: ReadonlySet<string>): Platform[] {
  const named = (Object.keys(PLATFORM_WORDS) as Platform[]).filter((platform) =>
    hasAny(words, PLATFORM_WORDS[platform]),
  );
  // Only macOS ships universal binaries, so `App-universal.zip` is a mac archive.
  if (named.length === 0 && words.has('universal')) return ['macos'];
  return named;
}

type ArchitectureResult =
  | { kind: 'architecture'; value: Architecture; source: 'named' | 'default' }
  | IgnoredMatch;

function architectureOf(words: ReadonlySet<string>, platform: Platform): ArchitectureResult {
  const named = (Object.keys(ARCHITECTURE_WORDS) as Architecture[]).filter((architecture) =>
    hasAny(words, ARCHITECTURE_WORDS[architecture]),
  );
  if (named.length === 1) return { kind: 'architecture', value: named[0]!, source: 'named' };
  if (named.length > 1) {
    return platform === 'macos'
      ? { kind: 'architecture', value: 'universal', source: 'named' }
      : { kind: 'ignored', reason: 'several architectures' };
  }
  if (hasAny(words, UNSERVED_ARCHITECTURE_WORDS))
    return { kind: 'ignored', reason: 'unsupported architecture' };
  if (words.has('win32')) return { kind: 'architecture', value: 'x86', source: 'named' };
  return { kind: 'architecture', value: DEFAULT_ARCHITECTURE[platform], source: 'default' };
}
