import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createProject } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { adminVersion, assertStoredAsLocal, buildFiles, outputFolder } from './cli-fixtures.js';
import { publishArgs, runCli } from './cli-runner.js';

async function gateway(t: Parameters<typeof buildTestApp>[0]) {
  const testApp = await buildTestApp(t);
  await createProject(testApp.app, { id: 'trackly', name: 'Trackly' });
  const url = await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...testApp, env: { LUNARBIT_URL: url, LUNARBIT_KEY: TEST_ADMIN_KEY } };
}

// What electron-builder writes to dist/ for NSIS, Squirrel.Windows, dmg + zip (x64 and arm64),
// AppImage (x64 and arm64) and deb, with its updater files and build logs.
const ELECTRON_BUILDER = {
  'Trackly Setup 1.2.5.exe': 3_000,
  'Trackly Setup 1.2.5.exe.blockmap': 100,
  'Trackly Setup 1.2.5.__uninstaller.exe': 500,
  'Trackly-1.2.5.dmg': 3_100,
  'Trackly-1.2.5.dmg.blockmap': 100,
  'Trackly-1.2.5-mac.zip': 3_200,
  'Trackly-1.2.5-mac.zip.blockmap': 100,
  'Trackly-1.2.5-arm64.dmg': 3_300,
  'Trackly-1.2.5-arm64-mac.zip': 3_400,
  'Trackly-1.2.5.AppImage': 3_500,
  'Trackly-1.2.5-arm64.AppImage': 3_600,
  'trackly_1.2.5_amd64.deb': 3_700,
  'trackly-1.2.5-full.nupkg': 3_800,
  RELEASES: 'E3F8A9B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7 trackly-1.2.5-full.nupkg 3800',
  'latest.yml': 'version: 1.2.5\n',
  'latest-mac.yml': 'version: 1.2.5\n',
  'latest-linux.yml': 'version: 1.2.5\n',
  'latest-linux-arm64.yml': 'version: 1.2.5\n',
  'builder-debug.yml': 'x: 1\n',
  'builder-effective-config.yaml': 'appId: dev.lunarbit.trackly\n',
};

// What `tauri build` writes under target/release/bundle/*/ (collected into one folder), with the
// updater signatures of `createUpdaterArtifacts: true` and the scripts and icon it leaves there.
const TAURI = {
  'Trackly_1.2.5_x64_en-US.msi': 2_000,
  'Trackly_1.2.5_x64_en-US.msi.sig': 'dW50cnVzdGVkIGNvbW1lbnQ6IG1zaQ==',
  'Trackly_1.2.5_x64-setup.exe': 2_100,
  'Trackly_1.2.5_x64-setup.exe.sig': 'dW50cnVzdGVkIGNvbW1lbnQ6IG5zaXM=\n',
  'Trackly.app.tar.gz': 2_200,
  'Trackly.app.tar.gz.sig': 'dW50cnVzdGVkIGNvbW1lbnQ6IGFwcA==',
  'Trackly_1.2.5_aarch64.dmg': 2_300,
  'Trackly_1.2.5_amd64.AppImage': 2_400,
  'Trackly_1.2.5_amd64.AppImage.sig': 'dW50cnVzdGVkIGNvbW1lbnQ6IGFwcGltYWdl',
  'Trackly_1.2.5_amd64.deb': 2_500,
  'bundle_dmg.sh': '#!/bin/sh\n',
  'build_appimage.sh': '#!/bin/sh\n',
  'Trackly.icns': 100,
};

describe('lunarbit release publish: build tool output folders', () => {
  it('publishes the whole electron-builder dist/ in one command: one build per file, companions skipped', async (t) => {
    const { app, env } = await gateway(t);
    const { dir, paths } = outputFolder(t, ELECTRON_BUILDER, ['win-unpacked', 'mac-arm64']);
    const run = await runCli(publishArgs('1.2.5', '--min-os-version', '11.0', ...paths), env);
    assert.equal(run.code, 0, run.stderr);

    const version = await adminVersion(app, 'trackly', 'stable', '1.2.5');
    assert.equal(version.status, 'published');
    assert.deepEqual(buildFiles(version.builds), {
      'windows-x64': 'Trackly Setup 1.2.5.exe',
      'windows-x64-nupkg': 'trackly-1.2.5-full.nupkg',
      'macos-x64': 'Trackly-1.2.5.dmg',
      'macos-x64-zip': 'Trackly-1.2.5-mac.zip',
      'macos-arm64': 'Trackly-1.2.5-arm64.dmg',
      'macos-arm64-zip': 'Trackly-1.2.5-arm64-mac.zip',
      'linux-x64': 'Trackly-1.2.5.AppImage',
      'linux-x64-deb': 'trackly_1.2.5_amd64.deb',
      'linux-arm64': 'Trackly-1.2.5-arm64.AppImage',
    });
    assertStoredAsLocal(version.builds, dir);
    for (const build of version.builds) {
      assert.equal(build.min_os_version, build.platform === 'macos' ? '11.0' : null, build.id);
      assert.equal(build.signature, null, build.id);
    }
    // The preferred file of each target comes first, so a check that names no format gets the installer.
    assert.deepEqual(
      version.builds
        .slice(0, 5)
        .map((build) => build.id)
        .sort(),
      ['linux-arm64', 'linux-x64', 'macos-arm64', 'macos-x64', 'windows-x64'],
    );

    for (const name of [
      'Trackly Setup 1.2.5.exe.blockmap',
      'Trackly-1.2.5.dmg.blockmap',
      'Trackly-1.2.5-mac.zip.blockmap',
      'Trackly Setup 1.2.5.__uninstaller.exe',
      'RELEASES',
      'latest.yml',
      'latest-mac.yml',
      'latest-linux.yml',
      'latest-linux-arm64.yml',
      'builder-debug.yml',
      'builder-effective-config.yaml',
      'win-unpacked',
      'mac-arm64',
    ]) {
      assert.match(
        run.stdout,
        new RegExp(`^skipped +${path.join(dir, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `, 'm'),
        name,
      );
    }
    assert.match(run.stdout, /blockmap \(differential-update data\), not a build/);
    assert.match(run.stdout, /RELEASES: updater metadata; the gateway serves its own feeds/);
    assert.match(run.stdout, /win-unpacked: directory; pass the files inside it/);
    assert.match(
      run.stdout,
      /uploaded +macos-x64 +\S.*Trackly-1\.2\.5\.dmg \(architecture not in the name: taken as x64/,
    );
    assert.match(
      run.stdout,
      /^Published trackly 1\.2\.5 on stable: 9 builds \(9 uploaded now, 0 already there\), 13 files skipped$/m,
    );
  });

  it('publishes a tauri build folder with each .sig as the signature of the file it signs', async (t) => {
    const { app, env } = await gateway(t);
    const { dir, paths } = outputFolder(t, TAURI, ['Trackly.app', 'Trackly.AppDir']);
    const run = await runCli(['--json', ...publishArgs('v1.2.5', ...paths)], env);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 'published');
    assert.equal(result.version, '1.2.5');
    assert.equal(result.resumed, false);
    assert.deepEqual(result.skipped.map((skipped: { file: string }) => path.basename(skipped.file)).sort(), [
      'Trackly.AppDir',
      'Trackly.app',
      'Trackly.icns',
      'build_appimage.sh',
      'bundle_dmg.sh',
    ]);

    const version = await adminVersion(app, 'trackly', 'stable', '1.2.5');
    assert.deepEqual(buildFiles(version.builds), {
      'windows-x64': 'Trackly_1.2.5_x64-setup.exe',
      'windows-x64-msi': 'Trackly_1.2.5_x64_en-US.msi',
      'macos-arm64': 'Trackly_1.2.5_aarch64.dmg',
      // Its name says no architecture; the dmg built with it does.
      'macos-arm64-app-tar-gz': 'Trackly.app.tar.gz',
      'linux-x64': 'Trackly_1.2.5_amd64.AppImage',
      'linux-x64-deb': 'Trackly_1.2.5_amd64.deb',
    });
    assertStoredAsLocal(version.builds, dir);
    const signatures = Object.fromEntries(version.builds.map((build) => [build.file_name, build.signature]));
    for (const [name, signature] of Object.entries(TAURI)) {
      if (!name.endsWith('.sig')) continue;
      assert.equal(signatures[name.slice(0, -'.sig'.length)], (signature as string).trim(), name);
    }
    assert.equal(signatures['Trackly_1.2.5_aarch64.dmg'], null);
    assert.deepEqual(
      result.builds
        .filter((build: { signed: boolean }) => build.signed)
        .map((build: { id: string }) => build.id)
        .sort(),
      ['linux-x64', 'macos-arm64-app-tar-gz', 'windows-x64', 'windows-x64-msi'],
    );
    // The reader's view of the Tauri bundle carries the signature too.
    const build = await app.inject({
      url: '/projects/trackly/channels/stable/versions/1.2.5/builds/macos-arm64-app-tar-gz',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    assert.equal(build.json().signature, TAURI['Trackly.app.tar.gz.sig']);
  });

  it('--draft uploads without publishing; the same command again finds everything there and publishes', async (t) => {
    const { app, env } = await gateway(t);
    const { paths } = outputFolder(t, TAURI);
    const draft = await runCli(publishArgs('2.0.0', '--draft', ...paths), env);
    assert.equal(draft.code, 0, draft.stderr);
    assert.match(draft.stdout, /^Left as a draft trackly 2\.0\.0 on stable: 6 builds .*, 3 files skipped$/m);
    assert.equal((await adminVersion(app, 'trackly', 'stable', '2.0.0')).status, 'draft');
    const reader = await app.inject({
      url: '/projects/trackly/channels/stable/versions/2.0.0',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    assert.equal(reader.statusCode, 404, 'a draft is not published');

    const again = await runCli(publishArgs('2.0.0', ...paths), env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Resuming draft trackly 2\.0\.0 on stable \(6 builds there\)$/m);
    assert.equal(again.stdout.match(/^already uploaded /gm)?.length, 6);
    assert.doesNotMatch(again.stdout, /^uploaded /m);
    assert.equal((await adminVersion(app, 'trackly', 'stable', '2.0.0')).status, 'published');

    const published = await runCli(publishArgs('2.0.0', ...paths), env);
    assert.equal(published.code, 1);
    assert.match(published.stderr, /trackly 2\.0\.0 on stable is already published; nothing was uploaded/);
  });

  it('a draft build holding another file is refused before any upload, naming the file and the way out', async (t) => {
    const { app, env } = await gateway(t);
    const { dir, paths } = outputFolder(t, {
      'Trackly_1.2.5_x64-setup.exe': 1_000,
      'Trackly_1.2.5_amd64.deb': 1_000,
    });
    const installer = path.join(dir, 'Trackly_1.2.5_x64-setup.exe');
    const first = await runCli(publishArgs('3.0.0', '--draft', installer), env);
    assert.equal(first.code, 0, first.stderr);
    fs.writeFileSync(installer, 'rebuilt');

    const refused = await runCli(['--json', ...publishArgs('3.0.0', ...paths)], env);
    assert.equal(refused.code, 1);
    const { error } = JSON.parse(refused.stderr);
    assert.equal(error.code, 'DRAFT_MISMATCH');
    assert.match(error.message, /Build 'windows-x64' of draft trackly 3\.0\.0 on stable holds another file/);
    assert.ok(error.message.includes(installer), error.message);
    assert.match(
      error.message,
      /lunarbit release delete --project trackly --channel stable --version 3\.0\.0/,
    );
    assert.deepEqual(
      (await adminVersion(app, 'trackly', 'stable', '3.0.0')).builds.map((build) => build.id),
      ['windows-x64'],
      'nothing else was uploaded',
    );

    const deleted = await runCli(
      ['release', 'delete', '--project', 'trackly', '--channel', 'stable', '--version', '3.0.0'],
      env,
    );
    assert.equal(deleted.code, 0, deleted.stderr);
    const fresh = await runCli(publishArgs('3.0.0', ...paths), env);
    assert.equal(fresh.code, 0, fresh.stderr);
    assertStoredAsLocal((await adminVersion(app, 'trackly', 'stable', '3.0.0')).builds, dir);
  });
});
