import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { publishArgs, runCli } from './cli-runner.js';

describe('lunarbit release publish', () => {
  it('uploads three files and the version and builds appear through the read API with matching checksums', async (t) => {
    const { app } = await buildTestApp(t);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const env = { LUNARBIT_URL: url, LUNARBIT_KEY: TEST_ADMIN_KEY };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-cli-release-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const files = [
      'trackly-1.2.5-win-x64.exe',
      'trackly-1.2.5-mac-universal.dmg',
      'trackly-1.2.5-linux-x86_64.AppImage',
    ].map((name, i) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, randomBytes(200_000 + i * 1_000));
      return file;
    });
    fs.writeFileSync(path.join(dir, 'NOTES.md'), '## Changes\n- Fixed dashboard loading issue');
    assert.equal((await runCli(['projects', 'create', 'trackly', '--name', 'Trackly'], env)).code, 0);

    const published = await runCli(
      ['--json', ...publishArgs('1.2.5', '--notes-file', path.join(dir, 'NOTES.md'), ...files)],
      env,
    );
    assert.equal(published.code, 0, published.stderr);
    assert.equal(JSON.parse(published.stdout).status, 'published');

    const version = await app.inject({
      url: '/projects/trackly/channels/stable/versions/1.2.5',
      headers: adminAuth,
    });
    assert.equal(version.statusCode, 200, version.body);
    const body = version.json();
    assert.equal(body.release_notes, '## Changes\n- Fixed dashboard loading issue');
    const expected = new Map(
      files.map((file) => [
        path.basename(file),
        createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
      ]),
    );
    const builds = body.builds as { id: string; checksum: { sha256: string }; file_size: number }[];
    assert.deepEqual(builds.map((b) => b.id).sort(), ['linux-x64', 'macos-universal', 'windows-x64']);
    for (const build of builds) {
      const shown = await app.inject({
        url: `/projects/trackly/channels/stable/versions/1.2.5/builds/${build.id}`,
        headers: adminAuth,
      });
      const fileName = shown.json().file_name as string;
      assert.equal(build.checksum.sha256, expected.get(fileName), fileName);
      assert.equal(build.file_size, fs.statSync(path.join(dir, fileName)).size);
    }

    const unknown = await runCli(publishArgs('1.2.6', path.join(dir, 'NOTES.md')), env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Cannot tell the platform of NOTES\.md/);
  });
});
