/**
 * The real entry point (src/main.ts through tsx) in a child process, for tests of the process itself.
 * Its answers are held to its OpenAPI document like those of apps built in the test process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { UNDOCUMENTED_ANSWER_MARK } from './openapi-conformance.js';

const root = path.resolve(import.meta.dirname, '..', '..');

const preload = path.join(import.meta.dirname, 'openapi-conformance-preload.ts');
const recordImports = path.join(import.meta.dirname, 'record-imports-preload.ts');
const runs: Run[] = [];

// Every answer a gateway process gave must be one its document states (checked in the process by
// the preload); the test file fails at its end otherwise.
after(() => {
  const problems = runs.flatMap((run) =>
    run
      .output()
      .split('\n')
      .filter((line) => line.startsWith(UNDOCUMENTED_ANSWER_MARK))
      .map((line) => line.slice(UNDOCUMENTED_ANSWER_MARK.length)),
  );
  if (problems.length > 0) {
    throw new Error(`Answers not documented in the OpenAPI document:\n${problems.join('\n')}`);
  }
});

export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts src/main.ts with exactly the given environment. `fileSizeLimitKb` runs it under
 * `ulimit -f` (RLIMIT_FSIZE): writing past that size fails with EFBIG, as on a full disk.
 * `recordImportsTo` names a file that receives the URL of every module the process resolves.
 */
export function startGateway(
  env: Record<string, string>,
  options: { fileSizeLimitKb?: number; recordImportsTo?: string } = {},
): Run {
  const recording =
    options.recordImportsTo === undefined
      ? { args: [], env: {} }
      : { args: ['--import', recordImports], env: { RECORD_IMPORTS_FILE: options.recordImportsTo } };
  const node = [process.execPath, '--import', 'tsx', '--import', preload, ...recording.args, 'src/main.ts'];
  const [command, args] =
    options.fileSizeLimitKb === undefined
      ? [node[0] as string, node.slice(1)]
      : ['bash', ['-c', `ulimit -f ${options.fileSizeLimitKb} && exec "$@"`, 'gateway', ...node]];
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, ...recording.env },
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
  const run = { child, output: () => output, exited };
  runs.push(run);
  return run;
}

export async function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
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

export function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-start-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
