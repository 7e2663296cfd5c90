import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type LocalEntry, planPublish } from './release-plan.js';

const files = (...names: string[]): LocalEntry[] =>
  names.map((name) => ({ file: `dist/${name}`, isDirectory: false }));
const ids = (plan: ReturnType<typeof planPublish>) =>
  Object.fromEntries(plan.builds.map((build) => [build.name, build.id]));

describe('planPublish', () => {
  it('gives several files of one target the GitHub sync ids, preferred file first', () => {
    const plan = planPublish(
      files(
        'Trackly-1.2.5-mac.zip',
        'Trackly-1.2.5.dmg',
        'Trackly-1.2.5.AppImage',
        'trackly_1.2.5_amd64.deb',
      ),
    );
    assert.deepEqual(ids(plan), {
      'Trackly-1.2.5.dmg': 'macos-universal',
      'Trackly-1.2.5-mac.zip': 'macos-universal-zip',
      'Trackly-1.2.5.AppImage': 'linux-x64',
      'trackly_1.2.5_amd64.deb': 'linux-x64-deb',
    });
    assert.deepEqual(
      plan.builds.map((build) => build.id),
      ['macos-universal', 'linux-x64', 'macos-universal-zip', 'linux-x64-deb'],
      'plain ids first, each group in the given order',
    );
    assert.deepEqual(plan.problems, []);
  });

  it('attaches .sig files to the build they sign and skips a signature of nothing given', () => {
    const plan = planPublish(
      files('App_1.0.0_x64-setup.exe', 'App_1.0.0_x64-setup.exe.sig', 'App_1.0.0_x64_en-US.msi.sig'),
    );
    assert.equal(plan.builds[0]!.signatureFile, 'dist/App_1.0.0_x64-setup.exe.sig');
    assert.deepEqual(plan.skipped, [
      {
        file: 'dist/App_1.0.0_x64_en-US.msi.sig',
        reason: 'signature of App_1.0.0_x64_en-US.msi, which is not among the files',
      },
    ]);
  });

  it('skips companions and directories with the reason, and refuses what it cannot place', () => {
    const plan = planPublish([
      ...files(
        'App Setup 1.0.0.exe.blockmap',
        'latest-mac.yml',
        'builder-debug.yml',
        'RELEASES',
        'app-1.0.0-delta.nupkg',
      ),
      ...files('App-1.0.0-armv7l.AppImage', 'bundle_dmg.sh', 'App.icns', 'NOTES.md', 'app.zip', 'build.sh'),
      { file: 'dist/linux-unpacked', isDirectory: true },
    ]);
    assert.deepEqual(plan.builds, []);
    assert.deepEqual(
      plan.skipped.map((s) => s.file.replace('dist/', '')),
      [
        'linux-unpacked',
        'App Setup 1.0.0.exe.blockmap',
        'latest-mac.yml',
        'builder-debug.yml',
        'RELEASES',
        'app-1.0.0-delta.nupkg',
        'App-1.0.0-armv7l.AppImage',
        'bundle_dmg.sh',
        'App.icns',
      ],
    );
    assert.match(plan.skipped[3]!.reason, /build log/);
    assert.deepEqual(plan.problems, [
      'Cannot tell the platform of NOTES.md from its name (unknown file type); rename it (e.g. app-1.2.0-win-x64.exe)',
      'Cannot tell the platform of app.zip from its name (archive without platform hint); rename it (e.g. app-1.2.0-win-x64.exe)',
      'Cannot tell the platform of build.sh from its name (unknown file type); rename it (e.g. app-1.2.0-win-x64.exe)',
    ]);
  });

  it('--default-arch decides only for names that do not say the architecture', () => {
    const plan = planPublish(
      files('Trackly-1.2.5.dmg', 'Trackly-1.2.5-arm64-mac.zip', 'Trackly Setup 1.2.5.exe'),
      {
        defaultArchitectures: { macos: 'x64', windows: 'arm64' },
      },
    );
    assert.deepEqual(
      plan.builds.map((b) => [b.id, b.architectureSource]),
      [
        ['macos-x64', 'option'],
        ['macos-arm64', 'named'],
        ['windows-arm64', 'option'],
      ],
    );
  });

  it("keeps a full run's ids when resuming with only some of the files", () => {
    const all = planPublish(files('Trackly-1.2.5.dmg', 'Trackly-1.2.5-mac.zip'));
    const resumed = planPublish(files('Trackly-1.2.5-mac.zip'), { existingFileNames: ['Trackly-1.2.5.dmg'] });
    assert.equal(resumed.builds.length, 1);
    assert.equal(resumed.builds[0]!.id, ids(all)['Trackly-1.2.5-mac.zip']);
    assert.equal(resumed.builds[0]!.id, 'macos-universal-zip');
  });

  it('refuses two files of the same name from different folders', () => {
    const plan = planPublish([
      { file: 'a/Trackly.app.tar.gz', isDirectory: false },
      { file: 'b/Trackly.app.tar.gz', isDirectory: false },
    ]);
    assert.deepEqual(plan.problems, [
      'Two files are named Trackly.app.tar.gz: a/Trackly.app.tar.gz and b/Trackly.app.tar.gz',
    ]);
  });

  it('accounts for every file once, with unique ids, whatever the names', () => {
    const name = fc
      .tuple(
        fc.constantFrom('Trackly', 'App', 'trackly', 'Zed Editor'),
        fc.constantFrom('', '-1.2.5', '_1.2.5', ' Setup 1.2.5'),
        fc.constantFrom(
          '',
          '-arm64',
          '_x64',
          '_aarch64',
          '-universal',
          '_amd64',
          '-mac',
          '-linux',
          '-win',
          '-armv7l',
        ),
        fc.constantFrom(
          '.exe',
          '.msi',
          '.dmg',
          '.zip',
          '.AppImage',
          '.deb',
          '.rpm',
          '.app.tar.gz',
          '.nupkg',
          '.yml',
          '.txt',
        ),
        fc.constantFrom('', '', '.sig', '.blockmap'),
      )
      .map((parts) => parts.join(''));
    const withSignatures = fc
      .uniqueArray(fc.tuple(name, fc.boolean()), { maxLength: 12, selector: ([n]) => n })
      .map((entries) => [...new Set(entries.flatMap(([n, signed]) => (signed ? [n, `${n}.sig`] : [n])))]);
    fc.assert(
      fc.property(withSignatures, (names) => {
        const plan = planPublish(files(...names));
        const signatures = plan.builds.filter((build) => build.signatureFile !== undefined).length;
        assert.equal(
          plan.builds.length + signatures + plan.skipped.length + plan.problems.length,
          names.length,
        );
        assert.equal(
          new Set(plan.builds.map((build) => build.id)).size,
          plan.builds.length,
          'ids are unique',
        );
        for (const build of plan.builds) assert.match(build.id, /^[a-z0-9][a-z0-9-]{0,63}$/);
        assert.deepEqual(planPublish(files(...names)), plan, 'deterministic');
      }),
    );
  });
});
