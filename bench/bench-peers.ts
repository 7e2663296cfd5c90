/**
 * Peers measured beside the gateway, installed from npm at pinned versions into a cache outside the
 * repository (BENCH_PEERS_DIR, default ~/.cache/lunarbit-bench/peers; `npm install` runs there once,
 * with `--ignore-scripts`). BENCH_PEERS=0 leaves them out (e.g. offline).
 * - Hazel, Vercel's Electron update server (`hazel-server`; the `hazel` name on npm is another
 *   package), served by its `micro` from a fake GitHub that lists one release with a Windows asset.
 * - Portkey's AI gateway (`@portkey-ai/gateway`, its Node build), headless, in production mode.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { startFakeGithub } from '../test/helpers/fakes/fake-github.js';
import { freePort, type RunningProcess, root, spawnNode, stopper, waitForLine } from './bench-processes.js';

export const PEER_VERSIONS = { 'hazel-server': '5.1.1', '@portkey-ai/gateway': '1.15.2' } as const;

export const peersWanted = () => process.env.BENCH_PEERS !== '0';

const peersDir = () =>
  process.env.BENCH_PEERS_DIR ?? path.join(os.homedir(), '.cache', 'lunarbit-bench', 'peers');

function installedVersion(dir: string, name: string): string | undefined {
  try {
    const manifest = fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The directory whose node_modules hold the peers at their pinned versions; installs them if not. */
export function ensurePeers(): string {
  const dir = peersDir();
  const missing = () =>
    Object.entries(PEER_VERSIONS).filter(([name, version]) => installedVersion(dir, name) !== version);
  if (missing().length === 0) return dir;
  process.stdout.write(`Installing the benchmark's peers into ${dir}...\n`);
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    private: true,
    description: 'Peers of the LunarBit benchmark',
    dependencies: PEER_VERSIONS,
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  execFileSync('npm', ['install', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: 'inherit',
  });
  const still = missing();
  if (still.length > 0)
    throw new Error(`peers not installed in ${dir}: ${still.map(([name]) => name).join(', ')}`);
  return dir;
}

const HAZEL_REPOSITORY = 'lunarbit-bench/app';
/** The update check Hazel answers: an app at 1.0.0 on Windows, offered the fake release. */
export const HAZEL_UPDATE_PATH = '/update/win32/1.0.0';

/** Hazel serving from a fake GitHub (in this process: it is asked once, before the measurement). */
export async function startHazel(
  dir: string,
  options: { launcher?: string[]; env?: Record<string, string> } = {},
): Promise<RunningProcess & { answerBytes: number }> {
  const github = await startFakeGithub();
  github.createRepository(HAZEL_REPOSITORY);
  github.addRelease(HAZEL_REPOSITORY, {
    tag: 'v1.1.0',
    name: '1.1.0',
    body: '## 1.1.0\n- changes',
    assets: [{ name: 'App-Setup-1.1.0.exe', content: 'installer' }],
  });
  const hazelDir = path.join(dir, 'node_modules', 'hazel-server');
  const micro = createRequire(path.join(hazelDir, 'package.json')).resolve('micro/bin/micro.js');
  const [account, repository] = HAZEL_REPOSITORY.split('/') as [string, string];
  const started = performance.now();
  const child = spawnNode(
    [
      '--require',
      path.join(root, 'bench', 'bench-hazel-preload.cjs'),
      micro,
      '--listen',
      'tcp://127.0.0.1:0',
      path.join(hazelDir, 'lib', 'server.js'),
    ],
    {
      cwd: hazelDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ACCOUNT: account,
        REPOSITORY: repository,
        HAZEL_GITHUB_URL: github.url,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
    options.launcher,
  );
  const match = await waitForLine(child, /Accepting connections on port (\d+)/, 'Hazel').catch(
    async (error: unknown) => {
      await github.close();
      throw error;
    },
  );
  child.stdout?.resume();
  const url = `http://127.0.0.1:${match[1]}`;
  const stop = stopper(child);
  const hazel = {
    url,
    pid: child.pid!,
    startupMs: performance.now() - started,
    stop: async () => {
      await stop();
      await github.close();
    },
  };
  // The first check loads the release from the fake GitHub; it must offer the update.
  const response = await fetch(`${url}${HAZEL_UPDATE_PATH}`);
  const body = await response.text();
  const answer = response.status === 200 ? (JSON.parse(body) as { name?: string; url?: string }) : {};
  if (answer.name !== 'v1.1.0' || !answer.url?.endsWith('/App-Setup-1.1.0.exe')) {
    await hazel.stop();
    throw new Error(`Hazel does not offer the fake release: ${response.status} ${body}`);
  }
  return { ...hazel, answerBytes: Buffer.byteLength(body) };
}

/** Portkey's gateway (Node build); it takes a port, not 0, and says when it is ready. */
export async function startPortkey(dir: string): Promise<RunningProcess> {
  const portkeyDir = path.join(dir, 'node_modules', '@portkey-ai', 'gateway');
  const port = await freePort();
  const started = performance.now();
  const child = spawnNode(
    [path.join(portkeyDir, 'build', 'start-server.js'), `--port=${port}`, '--headless'],
    {
      cwd: portkeyDir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await waitForLine(child, /Ready for connections/, 'Portkey');
  child.stdout?.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    startupMs: performance.now() - started,
    stop: stopper(child),
  };
}

/** Headers that make Portkey forward to an OpenAI-compatible server at `baseUrl` (`…/v1`). */
export function portkeyHeaders(baseUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': baseUrl };
}
