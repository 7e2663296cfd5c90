import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareVersions, normalizeVersion, sortByVersion } from './catalog-semver.js';

const numeric = fc.integer({ min: 0, max: 30 });
const identifier = fc.oneof(
  numeric.map(String),
  fc.constantFrom('alpha', 'beta', 'rc', 'next', 'x-1', 'build7'),
);
const prerelease = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
const version = fc
  .tuple(numeric, numeric, numeric, fc.option(prerelease, { nil: undefined }))
  .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre === undefined ? '' : `-${pre}`}`);

describe('catalog semver', () => {
  it('orders prereleases numerically and before their release', () => {
    const sorted = sortByVersion(
      ['1.2.0', '1.2.0-beta.10', '1.1.9', '1.2.0-beta.2', '1.2.0-alpha'],
      (v) => v,
      'asc',
    );
    assert.deepEqual(sorted, ['1.1.9', '1.2.0-alpha', '1.2.0-beta.2', '1.2.0-beta.10', '1.2.0']);
    assert.deepEqual(
      sortByVersion(sorted, (v) => v, 'desc'),
      ['1.2.0', '1.2.0-beta.10', '1.2.0-beta.2', '1.2.0-alpha', '1.1.9'],
    );
  });

  it('normalises a leading v and refuses what is not strict semver', () => {
    assert.equal(normalizeVersion('v1.2.5'), '1.2.5');
    assert.equal(normalizeVersion(' V2.0.0-rc.1 '), '2.0.0-rc.1');
    for (const bad of ['1.2', 'v', 'latest', '1.2.3.4', '01.2.3', '1.2.3+build.5', 'vv1.2.3', '']) {
      assert.equal(normalizeVersion(bad), undefined, bad);
    }
  });

  it('normalisation is idempotent and ignores the v prefix (property)', () => {
    fc.assert(
      fc.property(version, (v) => {
        assert.equal(normalizeVersion(v), v);
        assert.equal(normalizeVersion(`v${v}`), v);
        assert.equal(normalizeVersion(normalizeVersion(v)!), v);
      }),
    );
  });

  it('the comparison is a total order: antisymmetric, transitive, zero only for equal versions (property)', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        assert.equal(Math.sign(compareVersions(a, b)), -Math.sign(compareVersions(b, a)));
        assert.equal(compareVersions(a, b) === 0, a === b);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) assert.ok(compareVersions(a, c) <= 0);
      }),
    );
  });

  it('a prerelease sorts below its release and above the previous patch (property)', () => {
    fc.assert(
      fc.property(numeric, numeric, numeric, prerelease, (major, minor, patch, pre) => {
        const release = `${major}.${minor}.${patch + 1}`;
        assert.ok(compareVersions(`${release}-${pre}`, release) < 0);
        assert.ok(compareVersions(`${major}.${minor}.${patch}`, `${release}-${pre}`) < 0);
      }),
    );
  });

  it('sorting yields a permutation in order, and desc is asc reversed (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(version, { maxLength: 30 }), (versions) => {
        const asc = sortByVersion(versions, (v) => v, 'asc');
        const desc = sortByVersion(versions, (v) => v, 'desc');
        assert.deepEqual([...asc].sort(), [...versions].sort());
        for (let i = 1; i < asc.length; i++) assert.ok(compareVersions(asc[i - 1]!, asc[i]!) < 0);
        assert.deepEqual(desc, asc.toReversed());
      }),
    );
  });
});
