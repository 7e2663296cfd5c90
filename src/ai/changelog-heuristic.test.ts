import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeChangelogHeuristically } from './changelog-heuristic.js';

// Any Unicode code point, lone surrogates included (fast-check's 'binary' unit is far slower to generate).
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));

describe('analyzeChangelogHeuristically', () => {
  it('answers the reference example as breaking and major', () => {
    const result = analyzeChangelogHeuristically({
      version: '1.2.0',
      changelog: '- Fixed memory leak\n- Added dark mode\n- Breaking: Removed Node 14 support',
    });
    assert.deepEqual(result, {
      version: '1.2.0',
      analysis:
        'Version 1.2.0 has 1 fix (memory leak), 1 new feature (dark mode) and 1 removal (Node 14 support). ' +
        'It has 1 breaking change: Removed Node 14 support.',
      breaking: true,
      severity: 'major',
      source: 'heuristic',
    });
  });

  it('rates fixes only as a patch and features as minor', () => {
    const patch = analyzeChangelogHeuristically({
      version: '1.2.1',
      changelog: '- Fixed memory leak\n- Fixed crash on start (#123)\n- Updated translations',
    });
    assert.equal(patch.severity, 'patch');
    assert.equal(patch.breaking, false);
    assert.equal(
      patch.analysis,
      'Version 1.2.1 has 2 fixes (memory leak and crash on start) and 1 other change (Updated translations). ' +
        'No breaking changes were found, so it is a patch update.',
    );

    const minor = analyzeChangelogHeuristically({ version: '1.3.0', changelog: '* Add tabs\n* Fix typo' });
    assert.equal(minor.severity, 'minor');
    assert.match(minor.analysis, /1 new feature \(tabs\)/);
  });

  it('rates a removal that is not marked breaking as minor', () => {
    const result = analyzeChangelogHeuristically({
      version: '1.4.0',
      changelog: '- Removed the legacy tray icon',
    });
    assert.equal(result.severity, 'minor');
    assert.match(result.analysis, /1 removal \(the legacy tray icon\)/);
  });

  it('reads Keep a Changelog sections and names at most three entries per kind', () => {
    const result = analyzeChangelogHeuristically({
      version: '3.0.0',
      changelog: [
        '## [3.0.0] - 2025-01-01',
        '### Added',
        '- Dark mode',
        '- Tabs',
        '- Split view',
        '- Vim key bindings',
        '### Fixed',
        '- Memory leak when closing windows',
        '### Breaking Changes',
        '- Settings moved to `~/.app/config.json`',
      ].join('\n'),
    });
    assert.equal(result.breaking, true);
    assert.equal(result.severity, 'major');
    assert.match(result.analysis, /4 new features \(Dark mode, Tabs, Split view and 1 more\)/);
    assert.match(result.analysis, /1 fix \(Memory leak when closing windows\)/);
    assert.match(result.analysis, /It has 1 breaking change: Settings moved to ~\/\.app\/config\.json\./);
  });

  it("reads GitHub's generated notes: conventional commits, attributions and contributor lines", () => {
    const result = analyzeChangelogHeuristically({
      version: 'v2.3.0',
      changelog: [
        "## What's Changed",
        '* feat: tabs by @alice in https://github.com/acme/app/pull/2',
        '* fix(sync): lost edits after reconnect by @bob in https://github.com/acme/app/pull/3',
        '* feat(api)!: remove the v1 endpoints by @carol in https://github.com/acme/app/pull/5',
        '## New Contributors',
        '* @dave made their first contribution in https://github.com/acme/app/pull/4',
        '',
        '**Full Changelog**: https://github.com/acme/app/compare/v2.2.0...v2.3.0',
      ].join('\n'),
    });
    assert.equal(result.version, 'v2.3.0');
    assert.equal(result.breaking, true);
    assert.match(
      result.analysis,
      /^Version v2\.3\.0 has 1 fix \(lost edits after reconnect\) and 2 new features \(tabs and the v1 endpoints\)\./,
    );
    assert.doesNotMatch(result.analysis, /dave|first contribution|Full Changelog/);
  });

  it('reads a changelog without list items sentence by sentence', () => {
    const result = analyzeChangelogHeuristically({
      version: '1.0.1',
      changelog: 'Fixed memory leak. Added dark mode.',
    });
    assert.match(result.analysis, /1 fix \(memory leak\) and 1 new feature \(dark mode\)/);
    assert.equal(result.severity, 'minor');
  });

  it('does not count "None" under a breaking heading, nor non-breaking notes', () => {
    const result = analyzeChangelogHeuristically({
      version: '1.1.0',
      changelog: '## Breaking changes\nNone\n\nThis is a non-breaking release. Fixed a breaking bug in sync.',
    });
    assert.equal(result.breaking, false);
    assert.equal(result.severity, 'patch');

    const inline = analyzeChangelogHeuristically({
      version: '1.1.1',
      changelog: '- Fixed typo\n- Breaking changes: none',
    });
    assert.equal(inline.breaking, false);
    assert.match(inline.analysis, /^Version 1\.1\.1 has 1 fix \(typo\)\. /);
  });

  it('is breaking on a major version bump even when the notes say nothing', () => {
    const result = analyzeChangelogHeuristically({
      version: '2.0.0',
      previousVersion: '1.9.0',
      changelog: '- Fixed crash',
    });
    assert.equal(result.breaking, true);
    assert.equal(result.severity, 'major');
    assert.match(result.analysis, /It is breaking: major version bump \(1\.9\.0 → 2\.0\.0\)\.$/);
  });

  it('handles an empty changelog and an empty version', () => {
    assert.deepEqual(analyzeChangelogHeuristically({ version: '', changelog: '' }), {
      version: '',
      analysis:
        'This release lists no individual changes. No breaking changes were found, so it is a patch update.',
      breaking: false,
      severity: 'patch',
      source: 'heuristic',
    });
  });

  it('shortens long entries', () => {
    const result = analyzeChangelogHeuristically({
      version: '1.0.0',
      changelog: `- Fixed ${'very '.repeat(40)}long bug`,
    });
    assert.ok(result.analysis.length < 200, result.analysis);
    assert.match(result.analysis, /…\)/);
  });

  it('never throws, and severity is major exactly when breaking (property)', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        '- Fixed memory leak',
        '- Added dark mode',
        '- Breaking: Removed Node 14 support',
        '## Breaking Changes',
        'None',
        '* feat!: drop v1',
        '- Removed support for Windows 7',
        '### Fixed',
        '- non-breaking tweak',
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), fc.string({ maxLength: 20 }), (lines, version) => {
        const result = analyzeChangelogHeuristically({ version, changelog: lines.join('\n') });
        assert.equal(result.severity === 'major', result.breaking);
        assert.equal(result.source, 'heuristic');
        assert.equal(result.version, version);
        assert.ok(result.analysis.length > 0);
      }),
    );
  });

  it('never throws on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: anyCodePoint, maxLength: 500 }),
        fc.string({ unit: anyCodePoint }),
        (changelog, version) => {
          const result = analyzeChangelogHeuristically({ version, changelog });
          assert.ok(['major', 'minor', 'patch'].includes(result.severity));
          assert.equal(result.severity === 'major', result.breaking);
        },
      ),
    );
  });
});
