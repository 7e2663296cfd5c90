/**
 * `npm run bench:instructions`: instructions the gateway executes per request, counted by
 * callgrind. Throughput on a shared 2-core machine moves by tens of percent between identical
 * runs, which hides a change of a few percent on a hot path. Counts move less, but not nothing:
 * rounds of one run can differ (a major collection, a recompilation), and so can the level of two
 * runs of one build (bench/README.md gives the figures), so builds are compared over several
 * alternating runs.
 *
 * The gateway (compiled, production mode, info logging to a file, as in `npm run bench`) runs under
 * `valgrind --tool=callgrind` with counting off. For each kind of request (a `/v1/chat/completions`
 * call through the fake OpenAI upstream, which runs outside valgrind, answered as JSON and streamed
 * — 11 events, each written by the fake in two halves; an authenticated update check,
 * then the same check of the bare baseline and of Hazel, each in its own valgrind), BENCH_INSTR_WARM_UP requests (default 10,000) warm it up, then counting is switched
 * on for BENCH_INSTR_REQUESTS sequential requests (default 1,000) and the total is divided by
 * their number, BENCH_INSTR_ROUNDS times (default 5). Only what runs in libuv's socket callbacks
 * is counted (`--toggle-collect=uv__stream_io`): the request's own work, the microtasks it queues
 * and the garbage collections its allocations trigger, but not timers (the event-loop monitor
 * wakes every 10 ms, and under valgrind a request takes milliseconds) nor compiler threads. The
 * lowest round is reported, the one least disturbed by a major collection or a recompilation.
 * Needs valgrind (`apt-get install valgrind`); a run takes about three minutes.
 *
 * BENCH_INSTR_FUNCTIONS=<n> also lists, for each kind's lowest round, the n JavaScript functions with
 * the most instructions inclusive of what they call, and the n functions of any kind with the most of
 * their own (`topFunctions`); JavaScript is named by the gateway then running
 * with `--perf-basic-prof`, whose map (`/tmp/perf-<pid>.map`) names the compiled code that callgrind
 * sees only as addresses. Writing that map costs a little, so compare totals without it.
 */
import { execFileSync, execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePeers, HAZEL_UPDATE_PATH, peersWanted, startHazel } from './bench-peers.js';
import {
  type RunningProcess,
  root,
  startBareServer,
  startFakeUpstream,
  startGateway,
  waitForModel,
} from './bench-processes.js';
import { seedThroughApi, updatePath } from './bench-seed.js';

const UPSTREAM_KEY = 'sk-bench-fake-upstream';
const warmUp = Number(process.env.BENCH_INSTR_WARM_UP ?? 10_000);
const count = Number(process.env.BENCH_INSTR_REQUESTS ?? 1000);
const rounds = Number(process.env.BENCH_INSTR_ROUNDS ?? 5);
const functionsListed = Number(process.env.BENCH_INSTR_FUNCTIONS ?? 0);

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

interface Round {
  perRequest: number;
  dump: string;
}

/**
 * Instructions counted since the last zeroing: dumps them and reads the dump's `totals:` line (the
 * process writes the dump when valgrind next gets control, so it is waited for).
 */
async function dumpedInstructions(pid: number, outDir: string): Promise<{ total: number; dump: string }> {
  const before = new Set(fs.readdirSync(outDir));
  control(pid, '--dump');
  for (let waited = 0; waited < 30_000; waited += 100) {
    const dump = fs.readdirSync(outDir).find((file) => !before.has(file));
    const totals = dump && /^totals: (\d+)/m.exec(fs.readFileSync(path.join(outDir, dump), 'utf8'));
    if (dump && totals) return { total: Number(totals[1]), dump: path.join(outDir, dump) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callgrind wrote no dump to ${outDir} within 30 s`);
}

async function measure(pid: number, outDir: string, kind: RequestKind): Promise<Round[]> {
  await send(kind, warmUp);
  const measured: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    control(pid, '--zero');
    control(pid, '--instr=on');
    await send(kind, count);
    control(pid, '--instr=off');
    const { total, dump } = await dumpedInstructions(pid, outDir);
    measured.push({ perRequest: Math.round(total / count), dump });
  }
  return measured;
}

/**
 * Compiled JavaScript by address, from the map `--perf-basic-prof` writes: start, end, name, in the
 * order written. V8 reuses the addresses of code it has dropped, so several entries can cover one
 * address; the one written last names the code there now.
 */
function readCodeMap(pid: number): { start: number; end: number; name: string }[] {
  return fs
    .readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      const from = Number.parseInt(start!, 16);
      return { start: from, end: from + Number.parseInt(size!, 16), name: name.join(' ') };
    });
}

/**
 * From a dump, per request: the `limit` JavaScript functions with the most instructions inclusive of
 * their callees, then the `limit` functions of any kind (V8 builtins and runtime, Node, libc) with
 * the most of their own, as callgrind_annotate counts them, compiled JavaScript named from the map.
 */
function topFunctions(dump: string, pid: number, limit: number): { inclusive: string[]; self: string[] } {
  const code = readCodeMap(pid);
  const named = new Map<number, string>();
  const nameOf = (address: number) => {
    let name = named.get(address);
    if (name === undefined) {
      const entry = code.findLast(({ start, end }) => address >= start && address < end);
      name = entry?.name ?? `0x${address.toString(16)}`;
      named.set(address, name);
    }
    return name;
  };
  const list = (inclusive: boolean, keep: (name: string) => boolean) => {
    const annotated = execFileSync(
      'callgrind_annotate',
      [`--inclusive=${inclusive ? 'yes' : 'no'}`, '--threshold=100', dump],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const listed: string[] = [];
    for (const line of annotated.split('\n')) {
      const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.+)$/.exec(line);
      if (!match || match[2]!.startsWith('PROGRAM TOTALS')) continue;
      const name = match[2]!
        .replace(/^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/, (_, address: string) =>
          nameOf(Number.parseInt(address, 16)),
        )
        .replace(/^\?\?\?:/, '');
      if (!keep(name)) continue;
      const perRequest = Math.round(Number(match[1]!.replaceAll(',', '')) / count);
      listed.push(`${perRequest.toLocaleString('en').padStart(9)}  ${name.slice(0, 140)}`);
      if (listed.length === limit) break;
    }
    return listed;
  };
  return { inclusive: list(true, (name) => name.startsWith('JS:')), self: list(false, () => true) };
}

/** valgrind counting nothing until told, then only in libuv's socket callbacks, dumping into `outDir`. */
function callgrindLauncher(outDir: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    '--toggle-collect=uv__stream_io',
    `--callgrind-out-file=${path.join(outDir, 'callgrind.out')}`,
    // valgrind's own messages, which would otherwise interleave with the report.
    `--log-file=${path.join(outDir, 'valgrind.log')}`,
  ];
}

type Results = Record<
  string,
  { rounds: number[]; lowest: number; functions?: { inclusive: string[]; self: string[] } }
>;

function report(results: Results, name: string, perRequest: number[]): number {
  const lowest = Math.min(...perRequest);
  results[name] = { rounds: perRequest, lowest };
  const all = perRequest.map((n) => n.toLocaleString('en')).join(', ');
  console.log(`${name}: ${lowest.toLocaleString('en')} instructions per request (lowest of rounds ${all})`);
  return lowest;
}

/**
 * The same count for another server's update check (the bare baseline, Hazel), side by side with the
 * gateway's: started under its own valgrind, warmed up and counted alike.
 */
async function countServer(
  work: string,
  name: string,
  start: (options: { launcher: string[]; env: Record<string, string> }) => Promise<RunningProcess>,
  requestPath: string,
  check: RequestKind['check'],
): Promise<number[]> {
  const outDir = fs.mkdtempSync(path.join(work, 'callgrind-'));
  const server = await start({ launcher: callgrindLauncher(outDir), env: PIPE_NAMING });
  try {
    const kind = { name, url: `${server.url}${requestPath}`, init: {}, check };
    return (await measure(server.pid, outDir, kind)).map((round) => round.perRequest);
  } finally {
    await server.stop();
  }
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
  // Idle upstream connections kept 10 min, not Node's 5 s: under valgrind the gateway can stall for
  // seconds (a collection, a recompilation, a loaded machine) with a request on its way to a connection
  // the upstream closed meanwhile, and then find it closed too long after writing to send it again
  // (a 502 `other side closed`, seen with 13.8 s for one call while the test suite loaded the machine).
  const upstream = await startFakeUpstream(UPSTREAM_KEY, { keepAliveMs: 600_000 });
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
    ...(functionsListed > 0 ? { execArgv: ['--perf-basic-prof'] } : {}),
    launcher: callgrindLauncher(outDir),
  });
  try {
    const key = await seedThroughApi(gateway.url, adminKey, 1, 2);
    await waitForModel(gateway.url, key, 'gpt-4o-mini');
    const authorization = `Bearer ${key}`;
    const chat = (stream: boolean): Pick<RequestKind, 'url' | 'init'> => ({
      url: `${gateway.url}/v1/chat/completions`,
      init: {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'What is semantic versioning?' }],
          ...(stream ? { stream } : {}),
        }),
      },
    });
    const kinds: RequestKind[] = [
      {
        name: 'POST /v1/chat/completions',
        ...chat(false),
        check(status, body) {
          if (status !== 200 || !body.includes('"chat.completion"'))
            throw new Error(`the chat call answered ${status}: ${body}`);
        },
      },
      {
        name: 'POST /v1/chat/completions, streamed',
        ...chat(true),
        check(status, body) {
          const ended = body.endsWith('data: [DONE]\n\n') && body.split('data: [DONE]').length === 2;
          if (status !== 200 || !body.includes('"chat.completion.chunk"') || !ended)
            throw new Error(`the streamed chat call answered ${status}: ${body}`);
        },
      },
      {
        name: 'update check',
        url: `${gateway.url}${updatePath('bench-1')}`,
        init: { headers: { authorization } },
        check(status, body) {
          if (status !== 200 || !body.includes('"update_available":true'))
            throw new Error(`the update check answered ${status}: ${body}`);
        },
      },
    ];
    const results: Results = {};
    for (const kind of kinds) {
      const measured = await measure(gateway.pid, outDir, kind);
      const perRequest = measured.map((round) => round.perRequest);
      const lowest = report(results, kind.name, perRequest);
      if (functionsListed > 0) {
        const { dump } = measured[perRequest.indexOf(lowest)]!;
        const functions = topFunctions(dump, gateway.pid, functionsListed);
        results[kind.name]!.functions = functions;
        const indented = (lines: string[]) => lines.map((line) => `    ${line}`).join('\n');
        console.log(`  JavaScript, per request with what it calls:\n${indented(functions.inclusive)}`);
        console.log(`  any function, per request on its own:\n${indented(functions.self)}`);
      }
    }
    // The update check's baselines, as in `npm run bench` scenario 1: a bare node:http server
    // sending the gateway's answer with two headers, and Hazel (unless BENCH_PEERS=0).
    const updateCheck = kinds.find((kind) => kind.name === 'update check')!;
    const answer = await fetch(updateCheck.url, updateCheck.init).then((response) => response.text());
    const bare = await countServer(
      work,
      'update check: bare node:http',
      (options) => startBareServer(answer, 'application/json; charset=utf-8', options),
      '/',
      (status) => {
        if (status !== 200) throw new Error(`the bare server answered ${status}`);
      },
    );
    report(results, 'update check: bare node:http', bare);
    if (peersWanted()) {
      const peersDir = ensurePeers();
      const hazel = await countServer(
        work,
        'update check: Hazel',
        (options) => startHazel(peersDir, options),
        HAZEL_UPDATE_PATH,
        (status, body) => {
          if (status !== 200 || !body.includes('App-Setup-1.1.0.exe'))
            throw new Error(`Hazel answered ${status}: ${body}`);
        },
      );
      report(results, 'update check: Hazel', hazel);
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
    fs.rmSync(`/tmp/perf-${gateway.pid}.map`, { force: true });
  }
}

await main();
