import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Architecture,
  type AssetMatch,
  type BuildFormat,
  matchAssetToBuild,
  type Platform,
} from './asset-matcher.js';

type Expected =
  | [Platform, Architecture, BuildFormat]
  | ['attachment', 'signature' | 'blockmap' | 'checksums' | 'metadata', string?]
  | ['ignored', string];

// Asset names as published on the projects' GitHub releases (or their download servers, for
// Signal and VS Code, whose GitHub releases carry no binaries).
const REAL_WORLD_ASSETS: ReadonlyArray<readonly [project: string, name: string, expected: Expected]> = [
  // Windows
  ['VS Code', 'VSCodeUserSetup-x64-1.105.1.exe', ['windows', 'x64', 'exe']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-win32-x64-setup.exe', ['windows', 'x64', 'exe']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-win32-ia32-setup.exe', ['windows', 'x86', 'exe']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-win32-arm64-setup.exe', ['windows', 'arm64', 'exe']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-full.nupkg', ['windows', 'x64', 'nupkg']],
  ['Obsidian', 'Obsidian-1.12.7.exe', ['windows', 'x64', 'exe']],
  ['Bitwarden', 'Bitwarden-Installer-2026.3.1.exe', ['windows', 'x64', 'exe']],
  ['GitHub Desktop', 'GitHubDesktopSetup-x64.exe', ['windows', 'x64', 'exe']],
  ['GitHub Desktop', 'GitHubDesktopSetup-x64.msi', ['windows', 'x64', 'msi']],
  ['Clash Verge', 'Clash.Verge_2.4.0_x64-setup.exe', ['windows', 'x64', 'exe']],
  ['Spacedrive', 'Spacedrive-windows-x86_64.msi', ['windows', 'x64', 'msi']],
  ['Cinny', 'Cinny_desktop-x86_64.msi', ['windows', 'x64', 'msi']],
  ['Hyper', 'Hyper-Setup-3.4.1.exe', ['windows', 'x64', 'exe']],
  ['Joplin', 'Joplin-Setup-3.5.13.exe', ['windows', 'x64', 'exe']],
  ['balenaEtcher', 'balenaEtcher-Portable-1.18.11.exe', ['windows', 'x64', 'exe']],
  ['Insomnia', 'Insomnia.Core-12.5.0.exe', ['windows', 'x64', 'exe']],
  ['Hoppscotch', 'Hoppscotch_win_x64.msi', ['windows', 'x64', 'msi']],
  ['KeeWeb', 'KeeWeb-1.18.7.win.arm64.exe', ['windows', 'arm64', 'exe']],
  ['draw.io', 'draw.io-arm64-29.7.9-windows-arm64-installer.exe', ['windows', 'arm64', 'exe']],
  ['Ferdium', 'Ferdium-win-AutoSetup-7.1.2-arm64.exe', ['windows', 'arm64', 'exe']],
  ['Cutter', 'Cutter-v2.4.1-Windows-x86_64.zip', ['windows', 'x64', 'zip']],
  // macOS
  ['Bitwarden', 'Bitwarden-2026.3.1-universal.dmg', ['macos', 'universal', 'dmg']],
  ['Obsidian', 'Obsidian-1.12.7.dmg', ['macos', 'universal', 'dmg']],
  ['Joplin', 'Joplin-3.5.13-arm64.DMG', ['macos', 'arm64', 'dmg']],
  ['Electron Fiddle', 'Electron.Fiddle-darwin-arm64-0.27.3.zip', ['macos', 'arm64', 'zip']],
  ['Electron Fiddle', 'Electron.Fiddle-darwin-x64-0.27.3.zip', ['macos', 'x64', 'zip']],
  ['VS Code', 'VSCode-darwin-universal.zip', ['macos', 'universal', 'zip']],
  ['Clash Verge', 'Clash.Verge_2.5.2_x64.dmg', ['macos', 'x64', 'dmg']],
  ['Clash Verge', 'Clash.Verge_2.5.1_aarch64.dmg', ['macos', 'arm64', 'dmg']],
  ['Cinny', 'Cinny_desktop-universal.dmg', ['macos', 'universal', 'dmg']],
  ['Cinny', 'Cinny_desktop-universal.app.tar.gz', ['macos', 'universal', 'app.tar.gz']],
  ['Spacedrive', 'Spacedrive-darwin-aarch64.dmg', ['macos', 'arm64', 'dmg']],
  ['Zettlr', 'Zettlr-3.3.1-arm64.dmg', ['macos', 'arm64', 'dmg']],
  ['Atom', 'atom-mac.zip', ['macos', 'universal', 'zip']],
  ['Mailspring', 'Mailspring-AppleSilicon.zip', ['macos', 'arm64', 'zip']],
  ['Logseq', 'Logseq-darwin-x64-0.10.15.dmg', ['macos', 'x64', 'dmg']],
  ['Tabby', 'tabby-1.0.230-macos-x86_64.dmg', ['macos', 'x64', 'dmg']],
  // Linux
  ['Obsidian', 'Obsidian-1.12.7.AppImage', ['linux', 'x64', 'appimage']],
  ['Obsidian', 'Obsidian-1.12.7-arm64.AppImage', ['linux', 'arm64', 'appimage']],
  ['Obsidian', 'obsidian_1.12.7_amd64.deb', ['linux', 'x64', 'deb']],
  ['Bitwarden', 'Bitwarden-2026.3.1-x86_64.AppImage', ['linux', 'x64', 'appimage']],
  ['Signal', 'signal-desktop_7.24.1_amd64.deb', ['linux', 'x64', 'deb']],
  ['Clash Verge', 'Clash.Verge_2.4.3_arm64.deb', ['linux', 'arm64', 'deb']],
  ['Cinny', 'Cinny_desktop-x86_64.deb', ['linux', 'x64', 'deb']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-1.x86_64.rpm', ['linux', 'x64', 'rpm']],
  ['Insomnia', 'Insomnia.Core-12.5.0.rpm', ['linux', 'x64', 'rpm']],
  ['draw.io', 'drawio-aarch64-29.7.9.rpm', ['linux', 'arm64', 'rpm']],
  ['Headlamp', 'Headlamp-0.41.0-linux-x64.tar.gz', ['linux', 'x64', 'tar.gz']],
  ['KeeWeb', 'KeeWeb-1.18.7.linux.x64.zip', ['linux', 'x64', 'zip']],
  ['balenaEtcher', 'balena-etcher_2.1.4_amd64.deb', ['linux', 'x64', 'deb']],
  // Attachments
  ['electron-updater', 'latest.yml', ['attachment', 'metadata']],
  ['electron-updater', 'latest-mac.yml', ['attachment', 'metadata']],
  ['electron-updater', 'latest-linux-arm64.yml', ['attachment', 'metadata']],
  ['Squirrel.Windows', 'RELEASES', ['attachment', 'metadata']],
  ['Tauri', 'latest.json', ['attachment', 'metadata']],
  [
    'electron-builder',
    'Electron.Builder-1.2.3-mac.zip.blockmap',
    ['attachment', 'blockmap', 'Electron.Builder-1.2.3-mac.zip'],
  ],
  [
    'Cinny',
    'Cinny_desktop-universal.app.tar.gz.sig',
    ['attachment', 'signature', 'Cinny_desktop-universal.app.tar.gz'],
  ],
  ['release scripts', 'SHA256SUMS.txt', ['attachment', 'checksums']],
  ['Mineradio', 'Mineradio.Setup.1.5.7.3.SHA256.txt', ['attachment', 'checksums']],
  // Ignored
  ['Clash Verge', 'Clash.Verge_2.4.3_armhf.deb', ['ignored', 'unsupported architecture']],
  ['Electron Fiddle', 'electron-fiddle-0.27.3-1.armv7hl.rpm', ['ignored', 'unsupported architecture']],
  // Linux tarballs must name their platform: this one does not, so an admin adds it by hand.
  ['VS Code', 'code-stable-x64-1730354220.tar.gz', ['ignored', 'archive without platform hint']],
  ['Atom', 'atom-amd64.tar.gz', ['ignored', 'archive without platform hint']],
];

function summarise(match: AssetMatch): Expected {
  if (match.kind === 'build') return [match.platform, match.architecture, match.format];
  if (match.kind === 'attachment') {
    return match.relatesTo === undefined
      ? ['attachment', match.attachment]
      : ['attachment', match.attachment, match.relatesTo];
  }
  return ['ignored', match.reason];
}

describe('matchAssetToBuild: real-world release assets', () => {
  it('has at least 40 real-world names in the table', () => {
    assert.ok(REAL_WORLD_ASSETS.length >= 40, `only ${REAL_WORLD_ASSETS.length}`);
  });

  for (const [project, name, expected] of REAL_WORLD_ASSETS) {
    it(`${project}: ${name}`, () => {
      assert.deepEqual(summarise(matchAssetToBuild(name)), expected);
    });
  }
});
