/**
 * `npm run bench`: the gateway (production mode, info logging to a file) against baselines in the
 * same run. Prints requests/s, p50/p99 latency and ratios; writes bench/results/<date>.json.
 * BENCH_DURATION (seconds per measurement, default 10) and BENCH_SCALE_PROJECTS (default 1000);
 * BENCH_ONLY=3 (or 1,2,4,5,6,7, comma-separated) runs some scenarios only, e.g. while writing one;
 * BENCH_UPLOAD_MB (default 1024) is the size of scenario 6's upload to S3.
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aiProxyScenario } from './bench-ai-proxy.js';
import { alternate, type LoadOptions, type LoadResult, measureLoad } from './bench-load.js';
import { ensurePeers, HAZEL_UPDATE_PATH, peersWanted, startHazel } from './bench-peers.js';
import { root, rssMb, startBareServer, startGateway } from './bench-processes.js';
import { s3UploadScenario } from './bench-s3-upload.js';
import { seedBySql, seedThroughApi, updatePath } from './bench-seed.js';
import { streamingCapacityScenario } from './bench-streams.js';

/** 1-minute load average when the run starts: figures from a busy machine are not comparable. */
const loadAtStart = os.loadavg()[0]!;
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}`,
  node: process.version,
};
const table: string[][] = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'ratio / note']];
const row = (name: string, load: LoadResult, note: string) =>
  table.push([name, String(load.requestsPerSecond), String(load.p50Ms), String(load.p99Ms), note]);

function tempDir(name: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lunarbit-bench-${name}-`));
}

async function updateCheckScenarios(logFile: string) {
  const adminKey = randomBytes(32).toString('hex');
  const gateway = await startGateway({ dataDir: tempDir('main'), adminKey, logFile });
  results.startupMs = Math.round(gateway.startupMs);
  const key = await seedThroughApi(gateway.url, adminKey, 50, 3);
  results.afterSeedRssMb = rssMb(gateway.pid);
  // Idle: no request for two heap-trim intervals (HEAP_TRIM_INTERVAL_MS, default 10 s), so that the
  // gateway has seen one whole quiet interval after seeding and given back its young generation.
  await new Promise((resolve) => setTimeout(resolve, 21_000));
  results.idleRssMb = rssMb(gateway.pid);
  const headers = { authorization: `Bearer ${key}` };

  // 1. update check vs a bare node:http server returning the same bytes and vs Hazel's update
  // check (no key: Hazel has no authentication). They alternate over BENCH_ROUNDS rounds and the
  // medians are compared, so that drift of a shared machine (other tenants, CPU frequency) hits all
  // alike; CPU time per request is read from /proc as well.
  const response = await fetch(`${gateway.url}${updatePath('bench-1')}`, { headers });
  const body = await response.text();
  if (!body.includes('"update_available":true')) throw new Error(`scenario 1 expects an update: ${body}`);
  const bare = await startBareServer(body, 'application/json; charset=utf-8');
  const hazel = peersWanted()
    ? await startHazel(ensurePeers()).catch(async (error: unknown) => {
        await bare.stop();
        throw error;
      })
    : undefined;
  await measureLoad({ url: `${gateway.url}${updatePath('bench-1')}`, headers, durationSeconds: 2 });
  if (hazel) await measureLoad({ url: `${hazel.url}${HAZEL_UPDATE_PATH}`, durationSeconds: 2 });
  const targets: Record<string, { pid: number; load: LoadOptions }> = {
    bare: { pid: bare.pid, load: { url: `${bare.url}/` } },
    gateway: { pid: gateway.pid, load: { url: `${gateway.url}${updatePath('bench-1')}`, headers } },
  };
  if (hazel) targets.hazel = { pid: hazel.pid, load: { url: `${hazel.url}${HAZEL_UPDATE_PATH}` } };
  const rounds = await alternate(Number(process.env.BENCH_ROUNDS ?? 3), targets);
  results.underLoadRssMb = rssMb(gateway.pid);
  await bare.stop();
  await hazel?.stop();
  const bareRounds = rounds.bare!;
  const gatewayRounds = rounds.gateway!;
  const bareLoad = bareRounds.median;
  const gatewayLoad = gatewayRounds.median;
  const ratio = gatewayLoad.requestsPerSecond / bareLoad.requestsPerSecond;
  const hazelRounds = rounds.hazel;
  const hazelRatio = hazelRounds && gatewayLoad.requestsPerSecond / hazelRounds.median.requestsPerSecond;
  const answerBytes = { gateway: Buffer.byteLength(body), hazel: hazel?.answerBytes };
  results.scenario1 = {
    bare: bareRounds,
    gateway: gatewayRounds,
    ratio,
    hazel: hazelRounds,
    hazelRatio,
    answerBytes,
  };
  row('1 bare node:http', bareLoad, `baseline; ${bareRounds.cpuMicrosPerRequest} µs CPU/request`);
  if (hazelRounds)
    row(
      '1 Hazel GET /update/win32',
      hazelRounds.median,
      `peer (no auth), ${answerBytes.hazel}-byte answer; ${hazelRounds.cpuMicrosPerRequest} µs CPU/request, ${hazelRounds.median.non2xx} non-2xx`,
    );
  row(
    '1 GET .../update',
    gatewayLoad,
    `${ratio.toFixed(2)}× bare (target ≥ 0.5×)${hazelRatio === undefined ? '' : `, ${hazelRatio.toFixed(2)}× Hazel (target ≥ 1.0×)`}, ${gatewayRounds.cpuMicrosPerRequest} µs CPU/request, ${gatewayLoad.non2xx} non-2xx`,
  );

  // 2. launcher batch check with 50 installed projects
  const batch = JSON.stringify({
    client: { launcher_version: '2.1.0', os: 'windows', os_version: '10.0.19045', architecture: 'x64' },
    installed: Array.from({ length: 50 }, (_, i) => ({
      project_id: `bench-${i + 1}`,
      version: '1.0.0',
      channel: 'stable',
    })),
  });
  const batchLoad = await measureLoad({
    url: `${gateway.url}/update/check`,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: batch,
  });
  results.scenario2 = batchLoad;
  row('2 POST /update/check ×50', batchLoad, `${batchLoad.non2xx} non-2xx`);
  await gateway.stop();
}

async function catalogScaleScenario(logFile: string, projects: number) {
  const prepare = async (count: number) => {
    const adminKey = randomBytes(32).toString('hex');
    const dataDir = tempDir(`scale-${count}`);
    const migrate = await startGateway({ dataDir, adminKey, logFile });
    await migrate.stop();
    const seeded = performance.now();
    seedBySql(path.join(dataDir, 'lunarbit.db'), count, 200);
    const seedMs = Math.round(performance.now() - seeded);
    const gateway = await startGateway({ dataDir, adminKey, logFile });
    const key = await seedThroughApi(gateway.url, adminKey, 0, 0);
    const headers = { authorization: `Bearer ${key}` };
    const requests = Array.from({ length: count }, (_, i) => ({
      path: updatePath(`bench-${i + 1}`),
      headers,
    }));
    // Each project's first check loads its snapshot from the database; load them all (four at a
    // time) before measuring, so that the measurement is of warm checks, and report the load time.
    const warming = performance.now();
    for (let i = 0; i < requests.length; i += 4) {
      await Promise.all(
        requests.slice(i, i + 4).map(async (request) => {
          const answer = await fetch(`${gateway.url}${request.path}`, { headers });
          if (answer.status !== 200) throw new Error(`${request.path}: ${answer.status}`);
          await answer.arrayBuffer();
        }),
      );
    }
    const warmUpMs = Math.round(performance.now() - warming);
    await measureLoad({ url: gateway.url, requests, durationSeconds: 2 });
    return { gateway, load: { url: gateway.url, requests }, seedMs, warmUpMs };
  };
  const small = await prepare(10);
  const large = await prepare(projects).catch(async (error: unknown) => {
    await small.gateway.stop();
    throw error;
  });
  try {
    // Both stay up and are measured in turn, so that drift of a shared machine hits both alike; p99
    // is compared as the median of each side's rounds.
    const rounds = await alternate(Number(process.env.BENCH_ROUNDS ?? 3), {
      small: { pid: small.gateway.pid, load: small.load },
      large: { pid: large.gateway.pid, load: large.load },
    });
    const ratio = rounds.large.medianP99Ms / Math.max(rounds.small.medianP99Ms, 1);
    const summary = (side: typeof small, measured: (typeof rounds)['small']) => ({
      load: measured.median,
      medianP99Ms: measured.medianP99Ms,
      rounds: measured.rounds,
      rss: rssMb(side.gateway.pid),
      seedMs: side.seedMs,
      warmUpMs: side.warmUpMs,
    });
    const smallResult = summary(small, rounds.small);
    const largeResult = summary(large, rounds.large);
    results.scenario5 = { small: smallResult, large: largeResult, p99Ratio: ratio };
    const p99s = (measured: (typeof rounds)['small']) =>
      measured.rounds.map((round) => round.p99Ms).join('/');
    row(
      '5 update, 10 projects',
      { ...rounds.small.median, p99Ms: rounds.small.medianP99Ms },
      `p99 of rounds ${p99s(rounds.small)} ms, RSS ${smallResult.rss} MB, snapshots loaded in ${small.warmUpMs} ms`,
    );
    row(
      `5 update, ${projects} projects×200×6`,
      { ...rounds.large.median, p99Ms: rounds.large.medianP99Ms },
      `p99 ${ratio.toFixed(2)}× of 10 (target ≤ 1.2×; rounds ${p99s(rounds.large)} ms), RSS ${largeResult.rss} MB, snapshots loaded in ${large.warmUpMs} ms`,
    );
  } finally {
    await small.gateway.stop();
    await large.gateway.stop();
  }
}

async function main() {
  execSync('node scripts/ensure-build.mjs', { cwd: root, stdio: 'inherit' });
  const logFile = path.join(tempDir('logs'), 'gateway.log');
  const only = process.env.BENCH_ONLY?.split(',').map((id) => id.trim());
  const wanted = (...ids: string[]) => only === undefined || ids.some((id) => only.includes(id));
  // Scenario 4 is measured on the gateway of scenarios 1 and 2.
  if (wanted('1', '2', '4')) await updateCheckScenarios(logFile);
  if (wanted('3')) {
    const aiProxy = await aiProxyScenario({ dataDir: tempDir('ai'), logFile });
    results.scenario3 = aiProxy.result;
    table.push(...aiProxy.rows);
  }
  if (wanted('5')) await catalogScaleScenario(logFile, Number(process.env.BENCH_SCALE_PROJECTS ?? 1000));
  if (wanted('6')) {
    const streams = await streamingCapacityScenario({ tempDir, logFile });
    results.scenario6 = streams.result;
    table.push(...streams.rows);
  }
  if (wanted('7')) {
    const upload = await s3UploadScenario({ logFile });
    results.scenario7 = upload.result;
    table.push(upload.row);
  }
  if (results.startupMs !== undefined) {
    table.push(['4 startup', '-', '-', '-', `${Math.round(Number(results.startupMs))} ms`]);
    table.push([
      '4 RSS idle / under load',
      '-',
      '-',
      '-',
      `${results.idleRssMb} MB / ${results.underLoadRssMb} MB (idle target < 120 MB; ${results.afterSeedRssMb} MB right after seeding)`,
    ]);
  }

  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  lines.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  const loadAverage = { start: loadAtStart, end: os.loadavg()[0]! };
  results.loadAverage = loadAverage;
  process.stdout.write(
    `\n${lines.join('\n')}\n\nLoad average (1 min) at start / end: ${loadAverage.start.toFixed(2)} / ${loadAverage.end.toFixed(2)} on ${os.cpus().length} cores\nGateway log: ${logFile}\n`,
  );
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  // A partial run must not overwrite the day's full results.
  const suffix = only === undefined ? '' : `-only-${only.join('-')}`;
  const out = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}${suffix}.json`);
  fs.writeFileSync(out, `${JSON.stringify({ ...results, table }, null, 2)}\n`);
  process.stdout.write(`Results: ${path.relative(root, out)}\n`);
}

await main();
