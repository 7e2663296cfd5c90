/**
 * Scenario 6, streaming capacity: N concurrent `"stream": true` `/v1/chat/completions` streams
 * through one gateway from a slow upstream (one token every 50 ms), for each N of BENCH_STREAMS_N
 * (default 1000,5000), against the same N straight to the upstream. The client (its own process,
 * bench-stream-client.ts) opens the N streams at BENCH_STREAMS_RATE per second (default 1,000), each
 * on its own connection; every stream lasts the ramp plus BENCH_STREAM_TOKENS tokens (default 20),
 * so that all N are open together for the last second. Reports time to first byte (p50/p99, and its
 * overhead over direct), the gateway's RSS growth per stream, its event-loop delay over the run
 * (from its own /metrics), its CPU use, and how many streams ended with exactly one `data: [DONE]`.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cpuTimeMs } from './bench-load.js';
import {
  root,
  rssMb,
  spawnNode,
  startBareRelay,
  startFakeUpstream,
  startGateway,
  waitForModel,
} from './bench-processes.js';
import { seedThroughApi } from './bench-seed.js';
import type { StreamClientJob, StreamClientResult } from './bench-stream-client.js';

const UPSTREAM_KEY = 'sk-bench-slow-upstream';
const TOKEN_MS = 50;
/** prom-client's event-loop histogram samples every 10 ms and counts that interval in each sample. */
const EVENT_LOOP_RESOLUTION_MS = 10;
const messages = [{ role: 'user', content: 'What is semantic versioning?' }];

const streamBody = (tokens: number) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true, max_tokens: tokens });

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return Math.round(value * 1000) / 1000;
}

function runClient(job: StreamClientJob): Promise<StreamClientResult> {
  const child = spawnNode(['--import', 'tsx', path.join(root, 'bench', 'bench-stream-client.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', STREAM_CLIENT_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`stream client exited with ${code}:\n${output}`));
      resolve(JSON.parse(output.trim().split('\n').at(-1)!) as StreamClientResult);
    });
  });
}

/** The gateway's event-loop delay since the previous scrape (prom-client resets its histogram). */
async function scrapeEventLoop(url: string, adminKey: string) {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
  const text = await response.text();
  const read = (name: string) => {
    const match = new RegExp(`^lunarbit_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`/metrics has no lunarbit_nodejs_eventloop_lag_${name}_seconds`);
    const ms = Number(match[1]) * 1000 - EVENT_LOOP_RESOLUTION_MS;
    return Math.round(Math.max(0, ms) * 10) / 10;
  };
  return { p50Ms: read('p50'), p99Ms: read('p99'), maxMs: read('max') };
}

/** One stream through the gateway must carry the upstream's tokens and end with one [DONE]. */
async function checkOneStream(url: string, key: string) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: streamBody(3),
  });
  const body = await response.text();
  const markers = body.split('data: [DONE]').length - 1;
  if (response.status !== 200 || !body.includes('token2') || markers !== 1)
    throw new Error(`scenario 6: a stream through the gateway is not the upstream's stream:\n${body}`);
}

function summary(result: StreamClientResult) {
  const { firstByteMs, ...rest } = result;
  return {
    ...rest,
    firstByte: { p50Ms: percentile(firstByteMs, 0.5), p99Ms: percentile(firstByteMs, 0.99) },
  };
}

async function measureAtN(options: {
  count: number;
  rate: number;
  tokens: number;
  idleTimeoutMs: number;
  upstreamUrl: string;
  /** The upstream's process: its CPU use is read too, for the three processes share the machine. */
  upstreamPid: number;
  dataDir: string;
  logFile: string;
}) {
  const { count, rate, tokens, idleTimeoutMs, upstreamPid } = options;
  const cores = (cpuMs: number, durationMs: number) => Math.round((cpuMs / durationMs) * 100) / 100;
  const adminKey = randomBytes(32).toString('hex');
  const gateway = await startGateway({
    dataDir: options.dataDir,
    adminKey,
    logFile: options.logFile,
    env: {
      OPENAI_API_KEY: UPSTREAM_KEY,
      OPENAI_BASE_URL: `${options.upstreamUrl}/v1`,
      RATE_LIMIT_AI_MAX: '100000000',
      // The provider's concurrency limit (1,024 calls by default) would queue the streams above it:
      // lifted to N, like the rate limit, so that the run measures the gateway holding N streams.
      AI_PROVIDER_MAX_CONCURRENCY: String(count),
    },
  });
  try {
    const key = await seedThroughApi(gateway.url, adminKey, 0, 0);
    await waitForModel(gateway.url, key, 'gpt-4o-mini');
    await checkOneStream(gateway.url, key);
    const json = { 'content-type': 'application/json' };
    const direct = {
      url: `${options.upstreamUrl}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${UPSTREAM_KEY}` },
    };
    const proxied = {
      url: `${gateway.url}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${key}` },
    };
    // Warm-up of both paths (JIT, connection pool): short streams, a fraction of N.
    const warmUp = { count: Math.min(200, count), openPerSecond: 200, body: streamBody(2), idleTimeoutMs };
    await runClient({ ...direct, ...warmUp });
    await runClient({ ...proxied, ...warmUp });

    const job = { count, openPerSecond: rate, body: streamBody(tokens), idleTimeoutMs };
    const upstreamBeforeDirect = cpuTimeMs(upstreamPid);
    const directResult = await runClient({ ...direct, ...job });
    const upstreamDirectCpuMs = cpuTimeMs(upstreamPid) - upstreamBeforeDirect;
    const relay = await measureBareRelay(options.upstreamUrl, direct.headers, warmUp, job);

    const rssBefore = rssMb(gateway.pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(gateway.pid));
    }, 100);
    await scrapeEventLoop(gateway.url, adminKey);
    const cpuBefore = cpuTimeMs(gateway.pid);
    const upstreamBefore = cpuTimeMs(upstreamPid);
    const gatewayResult = await runClient({ ...proxied, ...job }).finally(() => clearInterval(sampler));
    const cpuMs = cpuTimeMs(gateway.pid) - cpuBefore;
    const upstreamCpuMs = cpuTimeMs(upstreamPid) - upstreamBefore;
    const eventLoopDelay = await scrapeEventLoop(gateway.url, adminKey);
    const rssAfter = rssMb(gateway.pid);

    const directSummary = summary(directResult);
    const gatewaySummary = summary(gatewayResult);
    const relaySummary = summary(relay.result);
    const overhead = (side: ReturnType<typeof summary>) => ({
      p50Ms: Math.round((side.firstByte.p50Ms - directSummary.firstByte.p50Ms) * 1000) / 1000,
      p99Ms: Math.round((side.firstByte.p99Ms - directSummary.firstByte.p99Ms) * 1000) / 1000,
    });
    const rssGrowthMb = Math.round((rssPeak - rssBefore) * 10) / 10;
    return {
      count,
      tokens,
      openPerSecond: rate,
      direct: { ...directSummary, upstreamCpuCores: cores(upstreamDirectCpuMs, directResult.durationMs) },
      bareRelay: {
        ...relaySummary,
        firstByteOverhead: overhead(relaySummary),
        relayCpuCores: cores(relay.cpuMs, relay.result.durationMs),
      },
      gateway: {
        ...gatewaySummary,
        firstByteOverhead: overhead(gatewaySummary),
        rss: { beforeMb: rssBefore, peakMb: rssPeak, afterMb: rssAfter },
        // Per request in flight at the peak (streaming or waiting for an upstream connection): with
        // streams refused or timed out early, fewer than N were open together.
        rssPerStreamKb: Math.round((rssGrowthMb * 1024) / Math.max(gatewayResult.peakInFlight, 1)),
        eventLoopDelay,
        gatewayCpuCores: cores(cpuMs, gatewayResult.durationMs),
        upstreamCpuCores: cores(upstreamCpuMs, gatewayResult.durationMs),
      },
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * The same streams through the bare relay (bench-bare-relay.ts), the least any proxy adds on this
 * machine: a fresh relay, warmed like the gateway, its CPU read over the run.
 */
async function measureBareRelay(
  upstreamUrl: string,
  headers: Record<string, string>,
  warmUp: Omit<StreamClientJob, 'url' | 'headers'>,
  job: Omit<StreamClientJob, 'url' | 'headers'>,
) {
  const relay = await startBareRelay(upstreamUrl);
  try {
    const target = { url: `${relay.url}/v1/chat/completions`, headers };
    await runClient({ ...target, ...warmUp });
    const cpuBefore = cpuTimeMs(relay.pid);
    const result = await runClient({ ...target, ...job });
    return { result, cpuMs: cpuTimeMs(relay.pid) - cpuBefore };
  } finally {
    await relay.stop();
  }
}

type Measured = Awaited<ReturnType<typeof measureAtN>>;

function describe(side: Measured['direct'] | Measured['bareRelay'] | Measured['gateway'], count: number) {
  const refused = Object.entries(side.statuses)
    .filter(([status]) => status !== '200')
    .map(([status, n]) => `${n}× ${status}`);
  const failed = side.malformed.count + side.timedOut + side.errors.count;
  return [
    `${side.completed}/${count} ended with one [DONE]`,
    ...(failed > 0
      ? [`${side.malformed.count} malformed, ${side.timedOut} timed out, ${side.errors.count} errors`]
      : []),
    ...(refused.length > 0 ? [`answers ${refused.join(', ')}`] : []),
    `at most ${side.peakInFlight} open and ${side.peakStreaming} streaming at once`,
  ].join(', ');
}

function rows(measured: Measured): string[][] {
  const { count, direct, bareRelay, gateway } = measured;
  const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${ms(value)} ms`;
  return [
    [
      `6 ${count} streams direct`,
      '-',
      ms(direct.firstByte.p50Ms),
      ms(direct.firstByte.p99Ms),
      `first byte; ${describe(direct, count)}; client ${direct.cpuCores} cores, its loop delay p99 ${ms(direct.eventLoopDelayP99Ms)} ms; upstream ${direct.upstreamCpuCores} cores`,
    ],
    [
      `6 ${count} streams bare relay`,
      '-',
      ms(bareRelay.firstByte.p50Ms),
      ms(bareRelay.firstByte.p99Ms),
      `first byte ${signed(bareRelay.firstByteOverhead.p50Ms)} p50, ${signed(bareRelay.firstByteOverhead.p99Ms)} p99 over direct: the least a proxy adds here; ` +
        `relay ${bareRelay.relayCpuCores} cores; ${describe(bareRelay, count)}; client ${bareRelay.cpuCores} cores`,
    ],
    [
      `6 ${count} streams gateway`,
      '-',
      ms(gateway.firstByte.p50Ms),
      ms(gateway.firstByte.p99Ms),
      `first byte ${signed(gateway.firstByteOverhead.p50Ms)} p50, ${signed(gateway.firstByteOverhead.p99Ms)} p99 over direct (target p99 < 5 ms); ` +
        `RSS ${gateway.rss.beforeMb} → ${gateway.rss.peakMb} MB, ${gateway.rssPerStreamKb} KB per open stream (target < 1 GB at 5,000); ` +
        `event-loop delay p50 ${gateway.eventLoopDelay.p50Ms} / p99 ${gateway.eventLoopDelay.p99Ms} / max ${gateway.eventLoopDelay.maxMs} ms; ` +
        `gateway ${gateway.gatewayCpuCores} cores; ${describe(gateway, count)}; client ${gateway.cpuCores} cores; upstream ${gateway.upstreamCpuCores} cores`,
    ],
  ];
}

export async function streamingCapacityScenario(options: {
  tempDir: (name: string) => string;
  logFile: string;
}) {
  const counts = (process.env.BENCH_STREAMS_N ?? '1000,5000').split(',').map((n) => Number(n.trim()));
  const rate = Number(process.env.BENCH_STREAMS_RATE ?? 1000);
  const holdTokens = Number(process.env.BENCH_STREAM_TOKENS ?? 20);
  const idleTimeoutMs = Number(process.env.BENCH_STREAMS_TIMEOUT_S ?? 60) * 1000;
  const upstream = await startFakeUpstream(UPSTREAM_KEY, { tokenMs: TOKEN_MS });
  try {
    const results: Measured[] = [];
    for (const count of counts) {
      const rampMs = (count / rate) * 1000;
      const tokens = Math.ceil(rampMs / TOKEN_MS) + holdTokens;
      results.push(
        await measureAtN({
          count,
          rate,
          tokens,
          idleTimeoutMs,
          upstreamUrl: upstream.url,
          upstreamPid: upstream.pid,
          dataDir: options.tempDir(`streams-${count}`),
          logFile: options.logFile,
        }),
      );
    }
    return { result: { tokenMs: TOKEN_MS, runs: results }, rows: results.flatMap(rows) };
  } finally {
    await upstream.stop();
  }
}
