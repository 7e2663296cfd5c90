import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually, storedFiles } from '../artifacts/artifacts-fixtures.js';
import { createProject } from '../catalog/catalog-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { adminVersion, assertStoredAsLocal, buildFiles, outputFolder } from './cli-fixtures.js';
import { publishArgs, runCli, startCli } from './cli-runner.js';
import { pausingProxy } from './pausing-proxy.js';

const MB = 1024 * 1024;

describe('lunarbit release publish: an interrupted publish', () => {
  it('killed in the middle of an upload, the same command again uploads only what is missing and publishes', {
    timeout: 120_000,
  }, async (t) => {
    const { app, namespace } = await buildTestApp(t);
    await createProject(app, { id: 'trackly', name: 'Trackly' });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(url);
    const { dir } = outputFolder(t, {
      'Trackly Setup 1.2.5.exe': 20_000,
      'Trackly-1.2.5.dmg': 8 * MB,
      'Trackly-1.2.5-mac.zip': 30_000,
      'Trackly-1.2.5.AppImage': 40_000,
      'latest.yml': 'version: 1.2.5\n',
    });
    // Uploads go in the order given (the preferred file of each target first): the small installer,
    // then the large dmg, during which the proxy stops forwarding. Everything before the dmg is far
    // below 1 MB, so the cut falls inside the dmg's bytes.
    const files = [
      'Trackly Setup 1.2.5.exe',
      'Trackly-1.2.5.dmg',
      'Trackly-1.2.5-mac.zip',
      'Trackly-1.2.5.AppImage',
      'latest.yml',
    ].map((name) => path.join(dir, name));
    const args = publishArgs('1.2.5', ...files);
    const proxy = await pausingProxy(Number(port), 1 * MB);
    t.after(() => proxy.close());

    const interrupted = startCli(args, { LUNARBIT_URL: proxy.url, LUNARBIT_KEY: TEST_ADMIN_KEY });
    // Should the CLI end before the cut, say why instead of waiting forever.
    const ended = interrupted.done.then((run) =>
      assert.fail(`the CLI ended before the cut: ${JSON.stringify(run)}`),
    );
    await Promise.race([proxy.paused, ended]);
    // The gateway is storing the dmg: its staged file holds part of it.
    const staging = path.join(namespace.dataDir, 'artifacts', '.staging');
    await eventually(
      () => fs.existsSync(staging) && fs.readdirSync(staging).some((name) => name.endsWith('.part')),
    );
    assert.match(interrupted.output().stdout, /^uploaded +windows-x64 /m);
    assert.doesNotMatch(interrupted.output().stdout, /macos/);
    interrupted.child.kill('SIGKILL');
    const killed = await interrupted.done;
    assert.equal(killed.code, null, 'killed, not finished');
    // The gateway notices the dropped connection and throws the partial file away.
    await eventually(async () => {
      await app.gateway.artifacts.uploads.idle();
      return storedFiles(namespace.dataDir).every((file) => !file.endsWith('.part'));
    });

    const left = await adminVersion(app, 'trackly', 'stable', '1.2.5');
    assert.equal(left.status, 'draft');
    assert.deepEqual(buildFiles(left.builds), { 'windows-x64': 'Trackly Setup 1.2.5.exe' });

    const resumed = await runCli(args, { LUNARBIT_URL: url, LUNARBIT_KEY: TEST_ADMIN_KEY });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^Resuming draft trackly 1\.2\.5 on stable \(1 builds there\)$/m);
    assert.match(resumed.stdout, /^already uploaded +windows-x64 /m);
    for (const id of ['macos-universal', 'linux-x64', 'macos-universal-zip']) {
      assert.match(resumed.stdout, new RegExp(`^uploaded +${id} `, 'm'), id);
    }
    assert.match(
      resumed.stdout,
      /^Published trackly 1\.2\.5 on stable: 4 builds \(3 uploaded now, 1 already there\), 1 files skipped$/m,
    );

    const version = await adminVersion(app, 'trackly', 'stable', '1.2.5');
    assert.equal(version.status, 'published');
    assert.deepEqual(buildFiles(version.builds), {
      'windows-x64': 'Trackly Setup 1.2.5.exe',
      'macos-universal': 'Trackly-1.2.5.dmg',
      'linux-x64': 'Trackly-1.2.5.AppImage',
      'macos-universal-zip': 'Trackly-1.2.5-mac.zip',
    });
    assertStoredAsLocal(version.builds, dir);
    // Each file was stored once: the installer was not sent again, the dmg's first try left nothing.
    const audit = await app.inject({ url: '/admin/audit?per_page=100', headers: adminAuth });
    const uploads = audit
      .json()
      .entries.filter((entry: { action: string }) => entry.action === 'build.uploaded')
      .map((entry: { target_id: string }) => entry.target_id.split('/').at(-1))
      .sort();
    assert.deepEqual(uploads, ['linux-x64', 'macos-universal', 'macos-universal-zip', 'windows-x64']);
    assert.equal(storedFiles(namespace.dataDir).length, 4);
  });
});
