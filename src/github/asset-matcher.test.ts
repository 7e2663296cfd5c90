import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type AssetMatch, matchAssetToBuild, matchReleaseAssets } from './asset-matcher.js';

// Any Unicode code point, lone surrogates included (fast-check's 'binary' unit is far slower to generate).
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));

/** A match as `[platform, architecture, format]`, `['attachment', kind, relatesTo?]` or `['ignored', reason]`. */
function summarise(match: AssetMatch): string[] {
  if (match.kind === 'build') return [match.platform, match.architecture, match.format];
  if (match.kind === 'attachment') {
    return match.relatesTo === undefined
      ? ['attachment', match.attachment]
      : ['attachment', match.attachment, match.relatesTo];
  }
  return ['ignored', match.reason];
}

describe('matchAssetToBuild: rules', () => {
  it('says whether the architecture was named or defaulted', () => {
    const named = matchAssetToBuild('Clash.Verge_2.5.1_aarch64.dmg');
    const defaulted = matchAssetToBuild('Obsidian-1.12.7.dmg');
    assert.equal(named.kind === 'build' && named.architectureSource, 'named');
    assert.equal(defaulted.kind === 'build' && defaulted.architectureSource, 'default');
  });

  it('marks portable Windows executables', () => {
    const portable = matchAssetToBuild('balenaEtcher-Portable-1.18.11.exe');
    const installer = matchAssetToBuild('Bitwarden-Installer-2026.3.1.exe');
    assert.equal(portable.kind === 'build' && portable.portable, true);
    assert.equal(installer.kind === 'build' && installer.portable, false);
  });

  it('recognises Tauri updater bundles and their signatures', () => {
    assert.deepEqual(summarise(matchAssetToBuild('App_1.2.0_x64_en-US.msi.zip')), [
      'windows',
      'x64',
      'msi.zip',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('App_1.2.0_x64-setup.nsis.zip')), [
      'windows',
      'x64',
      'nsis.zip',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('App_1.2.0_amd64.AppImage.tar.gz')), [
      'linux',
      'x64',
      'appimage.tar.gz',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('App_aarch64.app.tar.gz')), [
      'macos',
      'arm64',
      'app.tar.gz',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('App_1.2.0_x64-setup.exe.sig')), [
      'attachment',
      'signature',
      'App_1.2.0_x64-setup.exe',
    ]);
  });

  it('reads Rust target triples', () => {
    assert.deepEqual(summarise(matchAssetToBuild('app-x86_64-apple-darwin.tar.gz')), [
      'macos',
      'x64',
      'tar.gz',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('app-aarch64-unknown-linux-gnu.tar.gz')), [
      'linux',
      'arm64',
      'tar.gz',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('app-i686-pc-windows-msvc.zip')), ['windows', 'x86', 'zip']);
  });

  it('treats win32 as 32-bit only when nothing else names the architecture', () => {
    assert.deepEqual(summarise(matchAssetToBuild('Tangent-win32.exe')), ['windows', 'x86', 'exe']);
    assert.deepEqual(summarise(matchAssetToBuild('app-win32-x64.zip')), ['windows', 'x64', 'zip']);
    assert.deepEqual(summarise(matchAssetToBuild('App-win64.zip')), ['windows', 'x64', 'zip']);
  });

  it('needs a platform word for archives and ignores ambiguous ones', () => {
    assert.deepEqual(summarise(matchAssetToBuild('app-1.0.0.zip')), [
      'ignored',
      'archive without platform hint',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('app-mac-linux.zip')), [
      'ignored',
      'archive with several platform hints',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('App-universal.zip')), ['macos', 'universal', 'zip']);
  });

  it('ignores source archives, debug symbols, delta packages and unknown files', () => {
    assert.deepEqual(summarise(matchAssetToBuild('app-1.2.0-src.tar.gz')), ['ignored', 'source archive']);
    assert.deepEqual(summarise(matchAssetToBuild('Source-Code-linux.zip')), ['ignored', 'source archive']);
    assert.deepEqual(summarise(matchAssetToBuild('electron-v30.0.0-darwin-x64-dsym.zip')), [
      'ignored',
      'debug symbols',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('app-1.2.0-delta.nupkg')), ['ignored', 'delta package']);
    // What electron-builder's NSIS target leaves next to the installer.
    assert.deepEqual(summarise(matchAssetToBuild('Trackly Setup 1.2.5.__uninstaller.exe')), [
      'ignored',
      'uninstaller',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('__uninstaller-nsis-trackly.exe')), [
      'ignored',
      'uninstaller',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('README.md')), ['ignored', 'unknown file type']);
    assert.deepEqual(summarise(matchAssetToBuild('.exe')), ['ignored', 'unknown file type']);
    assert.deepEqual(summarise(matchAssetToBuild('   ')), ['ignored', 'empty name']);
  });

  it('maps several architectures to universal on macOS only', () => {
    assert.deepEqual(summarise(matchAssetToBuild('App-x64-arm64.dmg')), ['macos', 'universal', 'dmg']);
    assert.deepEqual(summarise(matchAssetToBuild('App-x64-arm64.exe')), ['ignored', 'several architectures']);
  });

  it('uses only the last path segment', () => {
    assert.deepEqual(
      matchAssetToBuild('dist/mac/Zettlr-3.3.1-arm64.dmg'),
      matchAssetToBuild('Zettlr-3.3.1-arm64.dmg'),
    );
    assert.deepEqual(matchAssetToBuild('out\\win\\App.msi'), matchAssetToBuild('App.msi'));
  });

  it('recognises other checksum and metadata names', () => {
    for (const name of ['checksums.txt', 'SHA256SUMS', 'SHASUMS256.txt', 'app_1.0.0_checksums.txt']) {
      assert.deepEqual(summarise(matchAssetToBuild(name)), ['attachment', 'checksums'], name);
    }
    assert.deepEqual(summarise(matchAssetToBuild('App.dmg.sha256')), ['attachment', 'checksums', 'App.dmg']);
    assert.deepEqual(summarise(matchAssetToBuild('App.AppImage.zsync')), [
      'attachment',
      'metadata',
      'App.AppImage',
    ]);
    assert.deepEqual(summarise(matchAssetToBuild('appcast.xml')), ['attachment', 'metadata']);
    assert.deepEqual(summarise(matchAssetToBuild('App.exe.asc')), ['attachment', 'signature', 'App.exe']);
    assert.deepEqual(summarise(matchAssetToBuild('package.json')), ['ignored', 'unknown file type']);
  });
});

describe('matchReleaseAssets', () => {
  it('narrows an unnamed mac build to x64 when an arm64 sibling of the same format exists', () => {
    const matches = matchReleaseAssets([
      'Joplin-3.5.13-arm64.DMG',
      'Joplin-3.5.13.dmg',
      'Joplin-3.5.13.AppImage',
      'Joplin-Setup-3.5.13.exe',
    ]);
    assert.deepEqual(
      matches.map(({ match }) => summarise(match)),
      [
        ['macos', 'arm64', 'dmg'],
        ['macos', 'x64', 'dmg'],
        ['linux', 'x64', 'appimage'],
        ['windows', 'x64', 'exe'],
      ],
    );
  });

  it('keeps a lone unnamed mac build universal, and siblings of another format do not count', () => {
    const matches = matchReleaseAssets(['Obsidian-1.12.7.dmg', 'App-arm64-mac.zip', 'latest-mac.yml']);
    assert.deepEqual(summarise(matches[0]!.match), ['macos', 'universal', 'dmg']);
    assert.equal(matches[2]!.match.kind, 'attachment');
  });

  it("gives Tauri's unnamed .app.tar.gz the one architecture the other mac builds name", () => {
    const single = matchReleaseAssets([
      'Trackly_1.2.5_aarch64.dmg',
      'Trackly.app.tar.gz',
      'Trackly.app.tar.gz.sig',
    ]);
    assert.deepEqual(summarise(single[1]!.match), ['macos', 'arm64', 'app.tar.gz']);
    const intel = matchReleaseAssets(['Trackly.app.tar.gz', 'Trackly_1.2.5_x64.dmg']);
    assert.deepEqual(summarise(intel[0]!.match), ['macos', 'x64', 'app.tar.gz']);
    // Two architectures named: nothing to infer, the default stays.
    const both = matchReleaseAssets([
      'Trackly_1.2.5_x64.dmg',
      'Trackly_1.2.5_aarch64.dmg',
      'Trackly.app.tar.gz',
    ]);
    assert.deepEqual(summarise(both[2]!.match), ['macos', 'universal', 'app.tar.gz']);
    // Other formats keep the electron-builder rule only.
    const lone = matchReleaseAssets(['Obsidian-1.12.7.dmg', 'Obsidian-1.12.7-arm64.zip']);
    assert.deepEqual(summarise(lone[0]!.match), ['macos', 'universal', 'dmg']);
  });

  it('narrows against a named universal sibling too', () => {
    const matches = matchReleaseAssets(['App-1.0.0-universal-mac.zip', 'App-1.0.0-mac.zip']);
    assert.deepEqual(summarise(matches[1]!.match), ['macos', 'x64', 'zip']);
  });
});

const separator = fc.constantFrom('-', '_', '.');
const productName = fc.constantFrom(
  'App',
  'Obsidian',
  'Clash.Verge',
  'balenaEtcher',
  'Cinny_desktop',
  'Zettlr',
);
const platformWord = fc.constantFrom('', 'win', 'windows', 'mac', 'darwin', 'osx', 'linux');
const architectureWord = fc.constantFrom(
  '',
  'x64',
  'amd64',
  'x86_64',
  'arm64',
  'aarch64',
  'universal',
  'ia32',
);
const extension = fc.constantFrom(
  '.exe',
  '.msi',
  '.dmg',
  '.pkg',
  '.zip',
  '.AppImage',
  '.deb',
  '.rpm',
  '.tar.gz',
  '.app.tar.gz',
  '.nupkg',
);
const assetName = fc
  .tuple(productName, separator, platformWord, separator, architectureWord, extension)
  .map(
    ([product, sep1, platform, sep2, architecture, ext]) =>
      [product, platform, architecture].filter((part) => part !== '').join(sep1 === sep2 ? sep1 : sep2) + ext,
  );
const versionString = fc
  .tuple(fc.nat(40), fc.nat(40), fc.nat(300), fc.constantFrom('', '-beta.1', '-rc.2', '-alpha'), fc.boolean())
  .map(([major, minor, patch, pre, v]) => `${v ? 'v' : ''}${major}.${minor}.${patch}${pre}`);

describe('matchAssetToBuild: properties', () => {
  it('never returns a build for a name ending in .sig or .blockmap', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), assetName),
        fc.constantFrom('.sig', '.blockmap', '.SIG', '.BlockMap'),
        (name, suffix) => {
          assert.notEqual(matchAssetToBuild(name + suffix).kind, 'build');
        },
      ),
    );
  });

  it('is case-insensitive', () => {
    fc.assert(
      fc.property(fc.oneof(assetName, fc.string()), fc.boolean(), (name, upper) => {
        const variant = upper ? name.toUpperCase() : name.toLowerCase();
        const original = matchAssetToBuild(name);
        const changed = matchAssetToBuild(variant);
        // relatesTo keeps the asset's own spelling; everything else must be identical.
        if (original.kind === 'attachment' && changed.kind === 'attachment') {
          assert.equal(changed.relatesTo?.toLowerCase(), original.relatesTo?.toLowerCase());
          assert.equal(changed.attachment, original.attachment);
        } else {
          assert.deepEqual(changed, original);
        }
      }),
      { examples: [['İ.exe', true]] },
    );
  });

  it('does not change platform or architecture when a version string is added', () => {
    fc.assert(
      fc.property(assetName, versionString, separator, (name, version, sep) => {
        const firstSeparator = name.search(/[-_.]/);
        const withVersion = `${name.slice(0, firstSeparator)}${sep}${version}${name.slice(firstSeparator)}`;
        const before = matchAssetToBuild(name);
        const after = matchAssetToBuild(withVersion);
        assert.equal(after.kind, before.kind, withVersion);
        if (before.kind === 'build' && after.kind === 'build') {
          assert.equal(after.platform, before.platform, withVersion);
          assert.equal(after.architecture, before.architecture, withVersion);
        }
      }),
    );
  });

  it('never throws and always returns one of the three kinds', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyCodePoint, maxLength: 200 }), (name) => {
        assert.ok(['build', 'attachment', 'ignored'].includes(matchAssetToBuild(name).kind));
      }),
    );
  });
});
