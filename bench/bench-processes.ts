/**
 * Processes a benchmark measures: the gateway (compiled, production mode, info logging to a file),
 * a bare node:http server returning fixed bytes and the fake OpenAI upstreams. Each runs in its own
 * process so that the load generator in this process competes with them equally.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

export interface RunningProcess {
  url: string;
  pid: number;
  startupMs: number;
  stop(): Promise<void>;
}

export function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before starting:\n${seen}`)));
  });
}

/**
 * Spawns `node <args>` with the soft open-file limit raised to the hard one (through `sh`, which
 * `exec`s node, so the pid is node's): thousands of concurrent streams need as many sockets.
 * `launcher` runs node under another program that keeps the pid (valgrind).
 */
export function spawnNode(args: string[], options: SpawnOptions, launcher: string[] = []): ChildProcess {
  const raiseLimit = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';
  const command = [...launcher, process.execPath, ...args];
  return spawn('/bin/sh', ['-c', raiseLimit, ...command], options);
}

/** A TCP port nothing listens on right now, for servers that cannot report the one they chose. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

export async function startGateway(options: {
  dataDir: string;
  adminKey: string;
  logFile: string;
  env?: Record<string, string>;
  /** Extra node options, e.g. `--cpu-prof` to find where the gateway spends its time. */
  execArgv?: string[];
  /** A program node runs under, e.g. valgrind (see `spawnNode`). */
  launcher?: string[];
}): Promise<RunningProcess> {
  const log = fs.openSync(options.logFile, 'a');
  const started = performance.now();
  // BENCH_NODE_ARGS: node flags to try on every gateway of a run, e.g. --trace-gc.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
  const args = [...extra, ...(options.execArgv ?? []), path.join(root, 'dist', 'main.js')];
  const child = spawnNode(
    args,
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        LOG_FILE: options.logFile,
        // The seeded download URLs are not reachable from here; verifying them would fail every build.
        VERIFY_BUILDS: 'false',
        DATA_DIR: options.dataDir,
        API_KEY_ADMIN: options.adminKey,
        // Limits stay on (their cost is part of the hot path) but one load generator on one IP must
        // not exhaust them.
        RATE_LIMIT_IP_MAX: '100000000',
        RATE_LIMIT_KEY_MAX: '100000000',
        ...options.env,
      },
      // stdout carries the banner (read below); the log lines go straight to LOG_FILE.
      stdio: ['ignore', 'pipe', log],
    },
    options.launcher,
  );
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 'gateway');
  const startupMs = performance.now() - started;
  child.stdout?.on('data', (chunk: Buffer) => fs.appendFileSync(options.logFile, chunk));
  return { url: match[1]!, pid: child.pid!, startupMs, stop: stopper(child) };
}

/**
 * A bare node:http server answering every request with the given bytes; `launcher` and `env` as for
 * the gateway (bench:instructions runs it under valgrind).
 */
export async function startBareServer(
  body: string,
  contentType: string,
  options: { launcher?: string[]; env?: Record<string, string> } = {},
): Promise<RunningProcess> {
  const source = `
    const http = require('node:http');
    const body = Buffer.from(${JSON.stringify(body)});
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': ${JSON.stringify(contentType)}, 'content-length': body.length });
      res.end(body);
    });
    server.keepAliveTimeout = 72000;
    server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
  `;
  const started = performance.now();
  const child = spawnNode(
    ['-e', source],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } },
    options.launcher,
  );
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 'bare server');
  return { url: match[1]!, pid: child.pid!, startupMs: performance.now() - started, stop: stopper(child) };
}

/**
 * A fake OpenAI upstream requiring `Bearer <apiKey>`: the tests' fake (bench-fake-upstream.ts) or,
 * with `tokenMs`, the slow streaming one (bench-slow-upstream.ts: one token every `tokenMs`).
 */
export async function startFakeUpstream(
  apiKey: string,
  /** `tokenMs`: the slow streaming upstream; `keepAliveMs`: how long the fake OpenAI keeps idle connections. */
  options: { tokenMs?: number; keepAliveMs?: number } = {},
): Promise<RunningProcess> {
  const started = performance.now();
  const script = options.tokenMs === undefined ? 'bench-fake-upstream.ts' : 'bench-slow-upstream.ts';
  const child = spawnNode(['--import', 'tsx', path.join(root, 'bench', script)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      FAKE_OPENAI_API_KEY: apiKey,
      ...(options.tokenMs === undefined ? {} : { TOKEN_MS: String(options.tokenMs) }),
      ...(options.keepAliveMs === undefined ? {} : { KEEP_ALIVE_MS: String(options.keepAliveMs) }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 'fake upstream');
  return { url: match[1]!, pid: child.pid!, startupMs: performance.now() - started, stop: stopper(child) };
}

/** The bare relay in front of `upstreamUrl` (bench-bare-relay.ts): node:http in, undici out, bytes through. */
export async function startBareRelay(upstreamUrl: string): Promise<RunningProcess> {
  const started = performance.now();
  const child = spawnNode(['--import', 'tsx', path.join(root, 'bench', 'bench-bare-relay.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', UPSTREAM_URL: upstreamUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 'bare relay');
  return { url: match[1]!, pid: child.pid!, startupMs: performance.now() - started, stop: stopper(child) };
}

/** Resident set size of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

/**
 * Waits until the gateway serves `model` (it learns its providers' models from their `/models`
 * shortly after it starts), so that a measurement does not begin with refusals.
 */
export async function waitForModel(gatewayUrl: string, key: string, model: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const response = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const listed = response.ok ? ((await response.json()) as { data: { id: string }[] }).data : [];
    if (listed.some((entry) => entry.id === model)) return;
    if (performance.now() > deadline) throw new Error(`the gateway does not serve ${model} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
