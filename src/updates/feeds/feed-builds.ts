/**
 * Which builds each native updater can install, and the small conversions their formats need.
 * A profile filters candidates, so a version without a suitable file is simply not offered to that
 * updater (an older one that has one may be).
 */
import type { BuildSnapshot } from '../../catalog/catalog-snapshot.js';
import type { BuildProfile } from '../update-candidates.js';

const hasSuffix =
  (...suffixes: string[]) =>
  (build: BuildSnapshot) => {
    const name = build.fileName.toLowerCase();
    return suffixes.some((suffix) => name.endsWith(suffix));
  };

/** Tauri verifies every bundle against the app's public key: an unsigned build cannot be installed. */
export const TAURI_BUILDS: BuildProfile = { name: 'tauri', accepts: (build) => build.signature !== null };

/** Squirrel.Mac installs only zip archives. */
export const SQUIRREL_MAC_BUILDS: BuildProfile = { name: 'squirrel-mac', accepts: hasSuffix('.zip') };

/** Squirrel.Windows installs `.nupkg` packages and checks them by SHA-1. */
export const SQUIRREL_WINDOWS_BUILDS: BuildProfile = {
  name: 'squirrel-windows',
  accepts: (build) => hasSuffix('.nupkg')(build) && build.checksum.sha1 !== undefined,
};

const ELECTRON_UPDATER_SUFFIXES: Record<string, string[]> = {
  windows: ['.exe'],
  macos: ['.zip', '.dmg'],
  linux: ['.appimage', '.deb', '.rpm'],
};

/** electron-updater verifies every download by sha512 and installs per platform these file types. */
export function electronUpdaterAccepts(build: BuildSnapshot): boolean {
  const suffixes = ELECTRON_UPDATER_SUFFIXES[build.platform] ?? [];
  return build.checksum.sha512 !== undefined && hasSuffix(...suffixes)(build);
}

/** Archives and installers Sparkle can apply. */
export const SPARKLE_BUILDS: BuildProfile = {
  name: 'sparkle',
  accepts: hasSuffix('.zip', '.dmg', '.tar.gz', '.tar.xz', '.tar.bz2', '.tbz', '.pkg', '.aar'),
};

/** The catalog keeps sha512 as hex; electron-updater wants base64 (88 characters). */
export function sha512Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Tauri: `darwin`/`windows`/`linux` and Rust arch names; our own names are accepted too. */
export const TAURI_TARGETS = { darwin: 'macos', macos: 'macos', windows: 'windows', linux: 'linux' } as const;
/** `armv7` and `riscv64` are Tauri targets the catalog has no architecture for: always "no update". */
export const TAURI_ARCHES = {
  x86_64: 'x64',
  aarch64: 'arm64',
  i686: 'x86',
  armv7: null,
  riscv64: null,
  x64: 'x64',
  arm64: 'arm64',
  x86: 'x86',
} as const;

/** Electron: `process.platform` and `process.arch` values; our own names are accepted too. */
export const ELECTRON_PLATFORMS = {
  darwin: 'macos',
  macos: 'macos',
  win32: 'windows',
  windows: 'windows',
  linux: 'linux',
} as const;
export const ELECTRON_ARCHES = {
  x64: 'x64',
  arm64: 'arm64',
  ia32: 'x86',
  x86: 'x86',
  universal: 'universal',
} as const;
