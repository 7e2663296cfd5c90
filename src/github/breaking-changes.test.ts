import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { breakingSignalOfLine, detectBreakingChanges } from './breaking-changes.js';

// Any Unicode code point, lone surrogates included (fast-check's 'binary' unit is far slower to generate).
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));

describe('detectBreakingChanges: signals in the notes', () => {
  const breakingLines: ReadonlyArray<readonly [string, string]> = [
    ['- Breaking: Removed Node 14 support', '"Breaking:" prefix'],
    ['**Breaking change:** the config file moved to ~/.app', '"Breaking:" prefix'],
    ['* [Breaking] Renamed the `--out` flag', '"Breaking:" prefix'],
    ['- Breaking: no more XML configuration files', '"Breaking:" prefix'],
    ['BREAKING CHANGE: `settings.json` keys are now camelCase', '"Breaking:" prefix'],
    ['- Renamed the `id` field (BREAKING)', '"BREAKING" marker'],
    ['- ⚠️ BREAKING — plugins must declare permissions', '"BREAKING" marker'],
    ['feat!: drop the v1 REST API', 'conventional commit "!"'],
    ['- refactor(api)!: rename `build_id` to `id`', 'conventional commit "!"'],
    ['1. fix(updater)!: require signed feeds', 'conventional commit "!"'],
    ['This release contains a breaking change to the plugin API.', 'mentions a breaking change'],
    ['- Removed support for Windows 7', 'removes support'],
    ['* Drops support for Node 16', 'removes support'],
    ['- Dropped official support for 32-bit Linux', 'removes support'],
    ['No longer supports macOS 10.13', 'no longer supports'],
    ['- Backwards-incompatible change to the theme format', 'incompatible change'],
    ['The export format is not backward compatible', 'incompatible change'],
  ];
  for (const [line, signal] of breakingLines) {
    it(`flags ${JSON.stringify(line)}`, () => {
      assert.equal(breakingSignalOfLine(line), signal);
      const result = detectBreakingChanges(`- Fixed a crash\n${line}\n- Added dark mode`);
      assert.equal(result.breaking, true);
      assert.equal(result.reasons.length, 1);
      assert.ok(result.reasons[0]!.startsWith(signal), result.reasons[0]);
    });
  }

  const harmlessLines = [
    '- Non-breaking: new optional `timeout` setting',
    '- NON-BREAKING refactor of the updater',
    'No breaking changes in this release.',
    'This is not a breaking change.',
    "This isn't a breaking change for plugin authors.",
    'Upgraded Electron without breaking existing themes',
    'Breaking changes: none',
    'BREAKING CHANGES: N/A',
    '- Fixed a breaking bug in the sync engine',
    '- Fixed a breaking change introduced in 2.1.0',
    '- Fix incompatible plugin loading on Windows',
    '- Reverted: dropped support for Windows 7 (it is back)',
    'fix: no longer supports invalid UTF-8 in titles',
    '- Breaking news widget shows the source',
    '- Improved compatibility with macOS 15',
    '- Fixed incompatibility with older themes',
    '',
  ];
  for (const line of harmlessLines) {
    it(`does not flag ${JSON.stringify(line)}`, () => {
      assert.deepEqual(detectBreakingChanges(line), { breaking: false, reasons: [] });
    });
  }

  it('flags a "Breaking changes" heading with entries, not one followed by None or another heading', () => {
    const withEntries = detectBreakingChanges('## Breaking Changes\n\n- The `channel` field is required\n');
    assert.equal(withEntries.breaking, true);
    assert.deepEqual(withEntries.reasons, ['"Breaking changes" section: "The channel field is required"']);

    assert.equal(
      detectBreakingChanges('## Breaking Changes\n\nNone.\n\n## Features\n- Tabs').breaking,
      false,
    );
    assert.equal(detectBreakingChanges('### Breaking changes\n### Fixes\n- Crash on start').breaking, false);
    assert.equal(detectBreakingChanges('**Breaking changes**').breaking, false);
    assert.equal(detectBreakingChanges('## Breaking Changes\n- No breaking changes.\n').breaking, false);
    assert.equal(detectBreakingChanges('Breaking changes:\nN/A').breaking, false);
    assert.equal(detectBreakingChanges('### ⚠ BREAKING CHANGES\n\n* **api:** drop v1 routes').breaking, true);
  });

  it('reports each signalling line once, with a readable excerpt', () => {
    const result = detectBreakingChanges(
      '- Breaking: Removed Node 14 support\r\n- Dropped support for Windows 7\r\n- Added tabs',
    );
    assert.deepEqual(result.reasons, [
      '"Breaking:" prefix: "Breaking: Removed Node 14 support"',
      'removes support: "Dropped support for Windows 7"',
    ]);
  });

  it('shortens long lines and caps the number of reasons', () => {
    const long = `Breaking: ${'x'.repeat(300)}`;
    assert.ok(detectBreakingChanges(long).reasons[0]!.length < 140);
    const many = Array.from({ length: 50 }, (_, index) => `- Breaking: change ${index}`).join('\n');
    assert.equal(detectBreakingChanges(many).reasons.length, 10);
  });

  it('accepts missing notes', () => {
    assert.deepEqual(detectBreakingChanges(undefined), { breaking: false, reasons: [] });
    assert.deepEqual(detectBreakingChanges(null), { breaking: false, reasons: [] });
  });
});

describe('detectBreakingChanges: version bumps', () => {
  const cases: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['1.4.2', '2.0.0', 'major version bump (1.4.2 → 2.0.0)'],
    ['v1.9.0', 'v2.0.0-beta.1', 'major version bump (1.9.0 → 2.0.0-beta.1)'],
    ['0.9.3', '1.0.0', 'major version bump (0.9.3 → 1.0.0)'],
    ['0.3.1', '0.4.0', 'minor version bump in 0.x (0.3.1 → 0.4.0)'],
    ['0.3.1', '0.3.2', undefined],
    ['1.4.2', '1.5.0', undefined],
    ['2.0.0-beta.3', '2.0.0', undefined],
    // A backported patch published after a newer major is not a bump.
    ['2.0.0', '1.9.9', undefined],
    ['not-a-version', '2.0.0', undefined],
    ['1.0.0', '', undefined],
  ];
  for (const [previousVersion, version, reason] of cases) {
    it(`${previousVersion} → ${version}: ${reason ?? 'not breaking'}`, () => {
      const result = detectBreakingChanges('- Fixed a crash', { previousVersion, version });
      assert.deepEqual(result, { breaking: reason !== undefined, reasons: reason ? [reason] : [] });
    });
  }

  it('needs both versions', () => {
    assert.equal(detectBreakingChanges('', { version: '3.0.0' }).breaking, false);
    assert.equal(detectBreakingChanges('', { previousVersion: '1.0.0' }).breaking, false);
  });

  it('lists note reasons before the version reason', () => {
    const result = detectBreakingChanges('BREAKING CHANGE: new config', {
      previousVersion: '1.0.0',
      version: '2.0.0',
    });
    assert.equal(result.reasons.length, 2);
    assert.match(result.reasons[1]!, /^major version bump/);
  });
});

describe('detectBreakingChanges: properties', () => {
  it('never throws, and breaking is exactly "has reasons"', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: anyCodePoint, maxLength: 400 }),
        fc.option(fc.string()),
        fc.option(fc.string()),
        (notes, previousVersion, version) => {
          const result = detectBreakingChanges(notes, { previousVersion, version });
          assert.equal(result.breaking, result.reasons.length > 0);
        },
      ),
    );
  });

  it('a line with an explicit "Breaking:" prefix is always breaking, whatever follows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Breaking: ', 'BREAKING: ', '- Breaking: ', '* **Breaking:** '),
        fc
          .string({ minLength: 1, maxLength: 80 })
          .filter(
            (rest) =>
              /^[a-z]{3}/i.test(rest) && !/^(none|n\/?a|nothing|no)\b/i.test(rest) && !rest.includes('\n'),
          ),
        (prefix, rest) => detectBreakingChanges(prefix + rest).breaking,
      ),
    );
  });

  it('a non-bump (same major, or same minor for 0.x) is never breaking by version', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.nat(20), fc.nat(50), fc.nat(50), (major, minor, patchA, patchB) => {
        const result = detectBreakingChanges('', {
          previousVersion: `${major}.${minor}.${Math.min(patchA, patchB)}`,
          version: `${major}.${minor}.${Math.max(patchA, patchB)}`,
        });
        assert.equal(result.breaking, false);
      }),
    );
  });

  it('every major bump is breaking', () => {
    fc.assert(
      fc.property(
        fc.nat(20),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(30),
        fc.nat(30),
        (major, step, minor, patch) => {
          return detectBreakingChanges('', {
            previousVersion: `${major}.${minor}.${patch}`,
            version: `${major + step}.0.0`,
          }).breaking;
        },
      ),
    );
  });
});
