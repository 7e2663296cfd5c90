import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { type CliRun, closedPort, runCli } from './cli-runner.js';

/** The one JSON line `--json` prints on stderr for a failure, with nothing on stdout. */
function jsonError(run: CliRun): Record<string, unknown> {
  assert.equal(run.stdout, '', 'nothing on stdout');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  const parsed = JSON.parse(lines[0]!) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(parsed), ['error']);
  return parsed.error;
}

const PUBLISH = ['release', 'publish', '--project', 'trackly', '--channel', 'stable', '--version', '1.0.0'];

describe('lunarbit exit codes and error output', () => {
  it('usage errors exit 2, commander’s own included, as text or as one JSON line with --json', async () => {
    const env = { LUNARBIT_URL: 'http://127.0.0.1:3000', LUNARBIT_KEY: TEST_ADMIN_KEY };
    const [
      missingOption,
      missingOptionJson,
      unknownCommand,
      unknownOption,
      nothing,
      help,
      version,
      badArch,
      badOs,
      badUrl,
    ] = await Promise.all([
      runCli(['release', 'publish', '--channel', 'stable', '--version', '1.0.0', 'app.exe'], env),
      runCli(['--json', 'release', 'publish', '--channel', 'stable', '--version', '1.0.0', 'app.exe'], env),
      runCli(['frobnicate'], env),
      runCli(['keys', 'list', '--colour', '--json'], env),
      runCli([], env),
      runCli(['--help'], env),
      runCli(['-V'], env),
      runCli([...PUBLISH, '--default-arch', 'macos=ppc', 'App.dmg'], env),
      runCli([...PUBLISH, '--min-os-version', 'Sonoma', 'App.dmg'], env),
      runCli(['keys', 'list'], { LUNARBIT_URL: 'localhost:3000', LUNARBIT_KEY: TEST_ADMIN_KEY }),
    ]);

    assert.equal(missingOption.code, 2, missingOption.stderr);
    assert.match(missingOption.stderr, /^error: required option '--project <id>' not specified/);
    assert.match(missingOption.stderr, /Usage: lunarbit release publish/, 'the help follows the error');

    assert.equal(missingOptionJson.code, 2);
    assert.deepEqual(jsonError(missingOptionJson), {
      code: 'USAGE_ERROR',
      message: "required option '--project <id>' not specified",
      details: { reason: 'commander.missingMandatoryOptionValue' },
      exit_code: 2,
    });

    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
    assert.equal(unknownOption.code, 2);
    assert.equal(jsonError(unknownOption).message, "unknown option '--colour'");
    assert.equal(nothing.code, 2, 'no command: the help, as a usage error');
    assert.match(nothing.stderr, /Usage: lunarbit/);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: lunarbit/);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);

    assert.equal(badArch.code, 2);
    assert.match(badArch.stderr, /--default-arch: 'ppc' is not one of x64, arm64, x86, universal/);
    assert.equal(badOs.code, 2);
    assert.match(badOs.stderr, /--min-os-version must be a dotted version such as 12\.0/);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /The gateway URL 'localhost:3000' is not an http\(s\) URL/);
  });

  it('a refusal exits 1 with the gateway’s error; an unreachable gateway exits 3 naming the cause', async (t) => {
    const { app } = await buildTestApp(t);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const closed = await closedPort();
    const env = { LUNARBIT_URL: url, LUNARBIT_KEY: TEST_ADMIN_KEY };
    const [refused, refusedJson, unreachable, unreachableJson] = await Promise.all([
      runCli(['keys', 'show', 'ghost'], env),
      runCli(['--json', 'keys', 'show', 'ghost'], env),
      runCli(['keys', 'list'], { ...env, LUNARBIT_URL: `http://127.0.0.1:${closed}` }),
      runCli(['keys', 'list', '--json'], { ...env, LUNARBIT_URL: `http://127.0.0.1:${closed}/` }),
    ]);

    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^lunarbit: 404 KEY_NOT_FOUND: .*ghost/);
    assert.match(refused.stderr, /request id: req_/);
    assert.equal(refusedJson.code, 1);
    const error = jsonError(refusedJson);
    assert.equal(error.code, 'KEY_NOT_FOUND');
    assert.equal(error.status, 404);
    assert.equal(error.exit_code, 1);
    assert.match(String(error.message), /ghost/);
    assert.match(String(error.request_id), /^req_/);

    assert.equal(unreachable.code, 3);
    assert.equal(
      unreachable.stderr,
      `lunarbit: cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED)\n`,
    );
    assert.equal(unreachableJson.code, 3);
    assert.deepEqual(jsonError(unreachableJson), {
      code: 'GATEWAY_UNREACHABLE',
      message: `cannot reach the gateway at http://127.0.0.1:${closed} (ECONNREFUSED)`,
      details: { url: `http://127.0.0.1:${closed}`, cause: 'ECONNREFUSED' },
      exit_code: 3,
    });
  });
});
