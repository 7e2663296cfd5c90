/**
 * `npm run bench:instructions`: instructions the gateway executes per request, counted by
 * callgrind. Throughput on a shared 2-core machine moves by tens of percent between identical
 * runs, which hides a change of a few percent on a hot path. Counts move less, but not nothing:
 * rounds of one run can differ (a major collection, a recompilation), and so can the level of two
 * runs of one build (bench/README.md gives the figures), so builds are compared over several
 * alternating runs.
 *
 * The gateway (compiled, production mode, info logging to a file, as in `npm run bench`) runs under
 * `valgrind --tool=callgrind` with counting off. For each kind of request (an authenticated update
 * check; a `/v1/chat/completions` call through the fake OpenAI upstream, which runs outside
 * valgrind), BENCH_INSTR_WARM_UP requests (default 10,000) warm it up, then counting is switched
 * on for BENCH_INSTR_REQUESTS sequential requests (default 1,000) and the total is divided by
 * their number, BENCH_INSTR_ROUNDS times (default 5). Only what runs in libuv's socket callbacks
 * is counted (`--toggle-collect=uv__stream_io`): the request's own work, the microtasks it queues
 * and the garbage collections its allocations trigger, but not timers (the event-loop monitor
 * wakes every 10 ms, and under valgrind a request takes milliseconds) nor compiler threads. The
 * lowest round is reported, the one least disturbed by a major collection or a recompilation.
 * Needs valgrind (`apt-get install valgrind`); a run takes about three minutes.
 */
import { execFileSync, execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, startFakeUpstream, startGateway, waitForModel } from './bench-processes.js';
import { seedThroughApi, updatePath } from './bench-seed.js';

const UPSTREAM_KEY = 'sk-bench-fake-upstream';
const warmUp = Number(process.env.BENCH_INSTR_WARM_UP ?? 10_000);
const count = Number(process.env.BENCH_INSTR_REQUESTS ?? 1000);
const rounds = Number(process.env.BENCH_INSTR_ROUNDS ?? 5);

interface RequestKind {
  name: string;
  url: string;
  init: RequestInit;
  /** Throws when the answer is not the one measured, so that a failing path cannot post figures. */
  check(status: number, body: string): void;
}

async function send(kind: RequestKind, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await fetch(kind.url, kind.init);
    kind.check(response.status, await response.text());
  }
}

/**
 * valgrind and callgrind_control name the pipes they talk through after the user and host they read
 * from these variables, which must be the same on both sides (the gateway's HOST is its address).
 */
const PIPE_NAMING = { LOGNAME: 'lunarbit-bench', HOST: '127.0.0.1' };

/** Runs callgrind_control for the gateway's process (`--zero`, `--instr=on|off`, `--dump`). */
function control(pid: number, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(pid)], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '', ...PIPE_NAMING },
  });
}

/**
 * Instructions counted since the last zeroing: dumps them and reads the dump's `totals:` line (the
 * process writes the dump when valgrind next gets control, so it is waited for).
 */
async function dumpedInstructions(pid: number, outDir: string): Promise<number> {
  const before = new Set(fs.readdirSync(outDir));
  control(pid, '--dump');
  for (let waited = 0; waited < 30_000; waited += 100) {
    const dump = fs.readdirSync(outDir).find((file) => !before.has(file));
    const totals = dump && /^totals: (\d+)/m.exec(fs.readFileSync(path.join(outDir, dump), 'utf8'));
    if (totals) return Number(totals[1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callgrind wrote no dump to ${outDir} within 30 s`);
}

async function measure(pid: number, outDir: string, kind: RequestKind): Promise<number[]> {
  await send(kind, warmUp);
  const perRequest: number[] = [];
  for (let round = 0; round < rounds; round++) {
    control(pid, '--zero');
    control(pid, '--instr=on');
    await send(kind, count);
    control(pid, '--instr=off');
    perRequest.push(Math.round((await dumpedInstructions(pid, outDir)) / count));
  }
  return perRequest;
}

async function main() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('bench:instructions needs valgrind: apt-get install valgrind');
  }
  execSync('node scripts/ensure-build.mjs', { cwd: root, stdio: 'inherit' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-bench-instructions-'));
  const outDir = path.join(work, 'callgrind');
  fs.mkdirSync(outDir);
  const adminKey = randomBytes(32).toString('hex');
  const upstream = await startFakeUpstream(UPSTREAM_KEY);
  const gateway = await startGateway({
    dataDir: path.join(work, 'data'),
    adminKey,
    logFile: path.join(work, 'gateway.log'),
    env: {
      OPENAI_API_KEY: UPSTREAM_KEY,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      RATE_LIMIT_AI_MAX: '100000000',
      ...PIPE_NAMING,
    },
    launcher: [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--toggle-collect=uv__stream_io',
      `--callgrind-out-file=${path.join(outDir, 'callgrind.out')}`,
    ],
  });
  try {
    const key = await seedThroughApi(gateway.url, adminKey, 1, 2);
    await waitForModel(gateway.url, key, 'gpt-4o-mini');
    const authorization = `Bearer ${key}`;
    const kinds: RequestKind[] = [
      {
        name: 'update check',
        url: `${gateway.url}${updatePath('bench-1')}`,
        init: { headers: { authorization } },
        check(status, body) {
          if (status !== 200 || !body.includes('"update_available":true'))
            throw new Error(`the update check answered ${status}: ${body}`);
        },
      },
      {
        name: 'POST /v1/chat/completions',
        url: `${gateway.url}/v1/chat/completions`,
        init: {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'What is semantic versioning?' }],
          }),
        },
        check(status, body) {
          if (status !== 200 || !body.includes('"chat.completion"'))
            throw new Error(`the chat call answered ${status}: ${body}`);
        },
      },
    ];
    const results: Record<string, { rounds: number[]; lowest: number }> = {};
    for (const kind of kinds) {
      const perRequest = await measure(gateway.pid, outDir, kind);
      const lowest = Math.min(...perRequest);
      results[kind.name] = { rounds: perRequest, lowest };
      const all = perRequest.map((n) => n.toLocaleString('en')).join(', ');
      console.log(
        `${kind.name}: ${lowest.toLocaleString('en')} instructions per request (lowest of rounds ${all})`,
      );
    }
    const resultsDir = path.join(root, 'bench', 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-instructions.json`);
    fs.writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, warmUp, count, results }, null, 2)}\n`,
    );
    console.log(`Results: ${path.relative(root, file)}`);
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}

await main();
