import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import semver from 'semver';
import { snapshotOf, type VersionSpec } from '../../test/updates/update-snapshots.js';
import type { ProjectSnapshot } from '../catalog/catalog-snapshot.js';
import { isInRollout, rolloutBucket } from './rollout-bucket.js';
import { channelIndex, targetIndex } from './update-candidates.js';
import { crossesMajor, type Resolution, resolveUpdate } from './update-resolver.js';

function check(
  snapshot: ProjectSnapshot,
  current: string,
  options: { channel?: string; target?: string; clientId?: string } = {},
): Resolution {
  const index = channelIndex(snapshot, options.channel ?? 'stable')!;
  const [platform, architecture] = (options.target ?? 'windows/x64').split('/') as [string, string];
  return resolveUpdate({
    current,
    candidates: targetIndex(index, platform, architecture).candidates,
    eligible: index.channel.eligible,
    yankedCurrent: index.yanked.get(current),
    admits: (v) => isInRollout(v.rolloutPercentage, options.clientId, 'p', v.version),
  });
}

const offered = (resolution: Resolution) =>
  resolution.updateAvailable ? resolution.offer.version.version : undefined;

describe('resolveUpdate', () => {
  it('offers the newest published version with a build for the target', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0' },
      { channel: 'stable', version: '1.1.0' },
      { channel: 'stable', version: '1.2.0', status: 'draft' },
      { channel: 'stable', version: '1.3.0', targets: ['linux/x64'] },
    ]);
    assert.equal(offered(check(snapshot, '1.0.0')), '1.1.0');
    assert.equal(offered(check(snapshot, '1.0.0', { target: 'linux/x64' })), '1.3.0');
    const latest = check(snapshot, '1.1.0');
    assert.equal(latest.updateAvailable, false);
    assert.equal(!latest.updateAvailable && latest.reason, 'latest');
    const ahead = check(snapshot, '1.2.0');
    assert.equal(!ahead.updateAvailable && ahead.reason, 'ahead');
    const none = check(snapshot, '1.0.0', { target: 'macos/arm64' });
    assert.deepEqual(none, { updateAvailable: false, reason: 'no-build', latest: undefined });
  });

  it('serves macOS x64 and arm64 from a universal build', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0', targets: ['macos/universal'] },
      { channel: 'stable', version: '1.1.0', targets: ['macos/universal', 'macos/arm64'] },
    ]);
    const x64 = check(snapshot, '1.0.0', { target: 'macos/x64' });
    const arm = check(snapshot, '1.0.0', { target: 'macos/arm64' });
    assert.ok(x64.updateAvailable && x64.offer.build.architecture === 'universal');
    assert.ok(arm.updateAvailable && arm.offer.build.architecture === 'arm64');
    assert.equal(check(snapshot, '1.0.0', { target: 'linux/x64' }).updateAvailable, false);
  });

  it('detects breaking changes over the whole skipped range and across majors (0.x: minors)', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0' },
      { channel: 'stable', version: '1.1.0', breaking: true, targets: ['linux/x64'] },
      { channel: 'stable', version: '1.2.0' },
      { channel: 'stable', version: '2.0.0', status: 'draft' },
    ]);
    const skipped = check(snapshot, '1.0.0');
    assert.ok(skipped.updateAvailable && skipped.breakingChanges, 'a skipped breaking version counts');
    const after = check(snapshot, '1.1.0');
    assert.ok(after.updateAvailable && !after.breakingChanges, '(current, latest] excludes current');
    assert.equal(crossesMajor(semver.parse('1.9.9')!, semver.parse('2.0.0')!), true);
    assert.equal(crossesMajor(semver.parse('0.3.1')!, semver.parse('0.4.0')!), true);
    assert.equal(crossesMajor(semver.parse('0.3.1')!, semver.parse('0.3.9')!), false);
    assert.equal(crossesMajor(semver.parse('1.2.0')!, semver.parse('1.9.0')!), false);
  });

  it('marks an update mandatory when the current version is below a min_supported_version in range', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0' },
      { channel: 'stable', version: '1.1.0', minSupported: '1.0.5' },
      { channel: 'stable', version: '1.2.0' },
    ]);
    const old = check(snapshot, '1.0.0');
    assert.ok(old.updateAvailable && old.mandatory);
    const recent = check(snapshot, '1.0.6');
    assert.ok(recent.updateAvailable && !recent.mandatory);
  });

  it('rolls a client back from a yanked version to the newest older release', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0' },
      { channel: 'stable', version: '1.1.0', status: 'yanked' },
    ]);
    const resolution = check(snapshot, '1.1.0');
    assert.ok(resolution.updateAvailable && resolution.rollback);
    assert.equal(offered(resolution), '1.0.0');
    assert.equal(check(snapshot, '1.2.0').updateAvailable, false, 'not yanked: no rollback');
  });

  it('offers included channels’ releases, never a channel’s releases to the channels it includes', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.1.0' },
      { channel: 'beta', version: '1.2.0-beta.1' },
    ]);
    assert.equal(offered(check(snapshot, '1.0.0', { channel: 'beta' })), '1.2.0-beta.1');
    assert.equal(offered(check(snapshot, '1.0.0', { channel: 'stable' })), '1.1.0');
    assert.equal(offered(check(snapshot, '1.2.0-beta.1', { channel: 'beta' })), undefined);
  });

  it('admits clients to partial rollouts by bucket; clients without an id get only full releases', () => {
    const snapshot = snapshotOf([
      { channel: 'stable', version: '1.0.0' },
      { channel: 'stable', version: '1.1.0', rollout: 50 },
    ]);
    assert.equal(offered(check(snapshot, '0.9.0')), '1.0.0');
    const ids = Array.from({ length: 200 }, (_, i) => `client-${i}`);
    const inside = ids.filter((id) => offered(check(snapshot, '0.9.0', { clientId: id })) === '1.1.0');
    assert.ok(inside.length > 60 && inside.length < 140, `about half admitted (${inside.length})`);
    for (const id of inside) assert.ok(rolloutBucket(id, 'p', '1.1.0') < 50);
  });
});

// ---- properties ----

const versionArb = fc
  .tuple(fc.nat(2), fc.nat(3), fc.nat(3), fc.option(fc.constantFrom('alpha.1', 'beta.2', 'rc.1')))
  .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`);
const TARGETS = ['windows/x64', 'macos/universal', 'macos/arm64', 'linux/x64'];
const specArb: fc.Arbitrary<VersionSpec> = fc.record({
  channel: fc.constantFrom('stable', 'beta'),
  version: versionArb,
  status: fc.constantFrom('draft', 'published', 'published', 'yanked'),
  breaking: fc.boolean(),
  minSupported: fc.option(versionArb),
  rollout: fc.constantFrom(0, 30, 100, 100),
  targets: fc.subarray(TARGETS, { minLength: 1 }),
});
const catalogArb = fc.uniqueArray(specArb, {
  maxLength: 12,
  selector: (spec) => `${spec.channel}/${spec.version}`,
});
const inputArb = fc.record({
  specs: catalogArb,
  current: versionArb,
  channel: fc.constantFrom('stable', 'beta'),
  target: fc.constantFrom('windows/x64', 'macos/x64', 'macos/arm64', 'linux/x64'),
  clientId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
});

describe('resolveUpdate properties', () => {
  it('update_available ⇔ offer newer than current (except rollback); drafts and yanked never offered', () => {
    fc.assert(
      fc.property(inputArb, ({ specs, current, channel, target, clientId }) => {
        const snapshot = snapshotOf(specs);
        const resolution = check(snapshot, current, { channel, target, clientId });
        const channels = channel === 'beta' ? ['beta', 'stable'] : ['stable'];
        const [platform, architecture] = target.split('/') as [string, string];
        // A version in several channels counts once, from the nearest channel that publishes it.
        const effective = new Map<string, VersionSpec>();
        for (const name of channels) {
          for (const s of specs) {
            if (s.channel === name && s.status === 'published' && !effective.has(s.version)) {
              effective.set(s.version, s);
            }
          }
        }
        const admitted = [...effective.values()].filter(
          (s) =>
            isInRollout(s.rollout ?? 100, clientId, 'p', s.version) &&
            (s.targets ?? []).some(
              (t) =>
                t === target ||
                (platform === 'macos' && architecture !== 'universal' && t === 'macos/universal'),
            ),
        );
        const newer = admitted.some((s) => semver.gt(s.version, current));
        if (!resolution.updateAvailable) {
          assert.equal(newer, false);
          return;
        }
        const offer = resolution.offer.version;
        assert.equal(offer.status, 'published');
        assert.ok(channels.includes(offer.channelId));
        assert.ok(admitted.some((s) => s.version === offer.version));
        assert.ok(!admitted.some((s) => semver.gt(s.version, offer.version)), 'the newest admitted');
        if (resolution.rollback) {
          assert.ok(semver.lt(offer.version, current));
          assert.ok(specs.some((s) => s.version === current && s.status === 'yanked'));
        } else {
          assert.ok(semver.gt(offer.version, current));
          const skipped = [...effective.values()].filter(
            (s) => semver.gt(s.version, current) && semver.lte(s.version, offer.version),
          );
          const cur = semver.parse(current)!;
          const expected = skipped.some((s) => s.breaking) || crossesMajor(cur, semver.parse(offer.version)!);
          assert.equal(resolution.breakingChanges, expected, 'breaking over the skipped range');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('raising a rollout percentage never removes a client that was in', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        versionArb,
        fc.nat(100),
        fc.nat(100),
        (clientId, version, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          if (isInRollout(low, clientId, 'p', version)) assert.ok(isInRollout(high, clientId, 'p', version));
          const bucket = rolloutBucket(clientId, 'p', version);
          assert.ok(Number.isInteger(bucket) && bucket >= 0 && bucket <= 99);
        },
      ),
    );
  });
});
