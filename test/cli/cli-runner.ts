import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StartedCli {
  child: ChildProcess;
  /** What the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once the process has exited. */
  done: Promise<CliRun>;
}

/** Starts the real `lunarbit` entry point (through tsx) as a separate process. */
export function startCli(args: string[], env: Record<string, string>): StartedCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/lunarbit.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs the real `lunarbit` entry point (through tsx) as a separate process, to its end. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}

/** A local port nothing listens on (it was just released), so connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `release publish` of `version` to trackly's stable channel, with more arguments after it. */
export const publishArgs = (version: string, ...extra: string[]) => [
  'release',
  'publish',
  '--project',
  'trackly',
  '--channel',
  'stable',
  '--version',
  version,
  ...extra,
];
