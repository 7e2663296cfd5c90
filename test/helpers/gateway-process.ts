/** The real entry point (src/main.ts through tsx) in a child process, for tests of the process itself. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts src/main.ts with exactly the given environment. `fileSizeLimitKb` runs it under
 * `ulimit -f` (RLIMIT_FSIZE): writing past that size fails with EFBIG, as on a full disk.
 */
export function startGateway(env: Record<string, string>, options: { fileSizeLimitKb?: number } = {}): Run {
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const [command, args] =
    options.fileSizeLimitKb === undefined
      ? [node[0] as string, node.slice(1)]
      : ['bash', ['-c', `ulimit -f ${options.fileSizeLimitKb} && exec "$@"`, 'gateway', ...node]];
  const child = spawn(command, args, {
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
