import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { closedPort, runCli } from './cli-runner.js';

describe('lunarbit CLI: keys and projects against a running gateway', () => {
  it('creates, lists, shows, rotates and revokes keys; creates and lists projects; fails clearly', async (t) => {
    const { app } = await buildTestApp(t);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const env = { LUNARBIT_URL: url, LUNARBIT_KEY: TEST_ADMIN_KEY };

    const created = await runCli(
      [
        '--json',
        'keys',
        'create',
        'ci-bot',
        '--permissions',
        'canReadProjects,canCheckUpdates',
        '--expires-in',
        '30d',
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout).key as string;
    assert.match(key, /^lbapi_/);

    const listed = await runCli(['keys', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+KEY\s+STATUS/m);
    assert.match(listed.stdout, /ci-bot\s+lbapi_[0-9a-f]{8}…\s+active/);
    assert.ok(!listed.stdout.includes(key), 'lists are masked');

    const shown = await runCli(['--json', 'keys', 'show', 'ci-bot'], env);
    assert.equal(JSON.parse(shown.stdout).permissions.canCheckUpdates, true);

    const rotated = await runCli(['--json', 'keys', 'rotate', 'ci-bot', '--grace', '1h'], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.notEqual(JSON.parse(rotated.stdout).key, key);

    const project = await runCli(
      ['projects', 'create', 'trackly', '--name', 'Trackly', '--repository', 'LunarBit-dev/Trackly'],
      env,
    );
    assert.equal(project.code, 0, project.stderr);
    assert.match(project.stdout, /^channels\s+stable, beta \(includes stable\)$/m);
    assert.ok(!project.stdout.includes('[object Object]'), project.stdout);
    const projects = await runCli(['--json', 'projects', 'list'], env);
    assert.deepEqual(
      JSON.parse(projects.stdout).projects.map((p: { id: string }) => p.id),
      ['trackly'],
    );
    const show = await runCli(['projects', 'show', 'trackly'], env);
    assert.match(show.stdout, /channels\s+stable, beta \(includes stable\)/);

    const revoked = await runCli(['keys', 'revoke', 'ci-bot'], env);
    assert.equal(revoked.code, 0);
    const again = await runCli(['keys', 'revoke', 'ci-bot'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /404 KEY_NOT_FOUND/);

    const badPermission = await runCli(['keys', 'create', 'x', '--permissions', 'canFly'], env);
    assert.equal(badPermission.code, 2);
    assert.match(badPermission.stderr, /Unknown permission\(s\): canFly/);

    const noKey = await runCli(['keys', 'list'], { LUNARBIT_URL: url });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /LUNARBIT_KEY is not set/);

    const wrongKey = await runCli(['keys', 'list'], { LUNARBIT_URL: url, LUNARBIT_KEY: 'nope' });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /401 UNAUTHORIZED/);

    const closed = await closedPort();
    const unreachable = await runCli(['keys', 'list'], {
      LUNARBIT_URL: `http://127.0.0.1:${closed}`,
      LUNARBIT_KEY: 'x',
    });
    assert.equal(unreachable.code, 3);
    assert.equal(
      unreachable.stderr,
      `lunarbit: cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED)\n`,
    );
  });
});
