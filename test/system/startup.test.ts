import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '..', '..');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the real entry point (src/main.ts through tsx) with exactly the given environment. */
function startGateway(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) return match;
    const exited = await Promise.race([
      run.exited.then(() => true),
      new Promise((r) => setTimeout(r, 50, false)),
    ]);
    if (exited) throw new Error(`gateway exited before printing ${pattern}:\n${run.output()}`);
  }
}

function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-start-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('process startup', () => {
  it('refuses production without API_KEY_ADMIN, naming the variable', async (t) => {
    const run = startGateway({ NODE_ENV: 'production', DATA_DIR: tempDataDir(t), PORT: '0' });
    assert.notEqual(await run.exited, 0);
    assert.match(run.output(), /API_KEY_ADMIN is required/);
  });

  it('refuses an invalid PORT, naming the variable', async (t) => {
    const run = startGateway({ PORT: 'http', DATA_DIR: tempDataDir(t) });
    assert.notEqual(await run.exited, 0);
    assert.match(run.output(), /PORT="http" is invalid/);
  });

  it('in development generates an admin key once (mode 0600), serves /health, and exits 0 on SIGTERM', async (t) => {
    const dataDir = tempDataDir(t);
    const run = startGateway({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    t.after(() => run.child.kill('SIGKILL'));
    const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    const [, printedKey] = await waitForOutput(run, /\n\s+(lbadmin_[0-9a-f]{64})\n/);
    const file = path.join(dataDir, 'admin-key');
    assert.equal(fs.readFileSync(file, 'utf8').trim(), printedKey);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const health = await fetch(`${url}/api/v2/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'healthy');

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);

    const second = startGateway({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    t.after(() => second.child.kill('SIGKILL'));
    await waitForOutput(second, /listening on/);
    await waitForOutput(second, /Admin key: the development key stored in/);
    assert.doesNotMatch(second.output(), /lbadmin_/, 'the key is printed only when generated');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
