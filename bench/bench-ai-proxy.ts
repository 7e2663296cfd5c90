/**
 * Scenario 3: `POST /v1/chat/completions` through the gateway vs. straight to the same fake OpenAI
 * upstream (the tests' fake, in its own process). Throughput at 50 connections; added latency and
 * stream time to first byte with one request in flight, where queueing does not hide them.
 * BENCH_SEQUENTIAL (default 2000) non-stream and BENCH_STREAMS (default 300) stream requests per
 * side; BENCH_CPU_PROF=<dir> writes a CPU profile of the gateway there when it stops.
 */
import { randomBytes } from 'node:crypto';
import { alternate, measureLoad } from './bench-load.js';
import { startFakeUpstream, startGateway } from './bench-processes.js';
import { seedThroughApi } from './bench-seed.js';
import { measureSequential } from './bench-sequential.js';

const UPSTREAM_KEY = 'sk-bench-fake-upstream';
const messages = [{ role: 'user', content: 'What is semantic versioning?' }];
const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages });
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true });
const WARM_UP = 200;

/** A proxy that loses or repeats the end marker must not post good figures. */
function assertOneDoneAtEnd(body: string) {
  const markers = body.split('data: [DONE]').length - 1;
  if (markers !== 1 || !body.trimEnd().endsWith('data: [DONE]'))
    throw new Error(`stream through the gateway does not end with one "data: [DONE]":\n${body}`);
}

const ms = (value: number) => value.toFixed(3);
const difference = (gateway: number, direct: number) => Math.round((gateway - direct) * 1000) / 1000;
const added = (gateway: number, direct: number) => `+${ms(gateway - direct)} ms`;

export async function aiProxyScenario(options: { dataDir: string; logFile: string }) {
  const upstream = await startFakeUpstream(UPSTREAM_KEY);
  const adminKey = randomBytes(32).toString('hex');
  const profileDir = process.env.BENCH_CPU_PROF;
  const gateway = await startGateway({
    ...options,
    adminKey,
    env: {
      OPENAI_API_KEY: UPSTREAM_KEY,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      RATE_LIMIT_AI_MAX: '100000000',
    },
    ...(profileDir ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
  }).catch(async (error: unknown) => {
    await upstream.stop();
    throw error;
  });
  try {
    const key = await seedThroughApi(gateway.url, adminKey, 0, 0);
    const json = { 'content-type': 'application/json' };
    const direct = {
      url: `${upstream.url}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${UPSTREAM_KEY}` },
    };
    const proxied = {
      url: `${gateway.url}/v1/chat/completions`,
      headers: { ...json, authorization: `Bearer ${key}` },
    };

    // Throughput: 50 connections; the gateway warm-up also warms the upstream behind it.
    await measureLoad({ ...proxied, method: 'POST', body: chatBody, durationSeconds: 2 });
    const throughput = await alternate(Number(process.env.BENCH_ROUNDS ?? 3), {
      direct: { load: { ...direct, method: 'POST', body: chatBody } },
      gateway: { pid: gateway.pid, load: { ...proxied, method: 'POST', body: chatBody } },
    });
    const directLoad = throughput.direct.median;
    const gatewayLoad = throughput.gateway.median;
    const ratio = gatewayLoad.requestsPerSecond / directLoad.requestsPerSecond;

    // Latency and time to first byte: one request at a time, after a warm-up of each path.
    const count = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
    const streams = Number(process.env.BENCH_STREAMS ?? 300);
    for (const target of [direct, proxied]) {
      await measureSequential({ ...target, body: chatBody, count: WARM_UP });
      await measureSequential({ ...target, body: streamBody, count: WARM_UP });
    }
    const directChat = await measureSequential({ ...direct, body: chatBody, count });
    const gatewayChat = await measureSequential({ ...proxied, body: chatBody, count });
    const directStream = await measureSequential({ ...direct, body: streamBody, count: streams });
    const gatewayStream = await measureSequential({
      ...proxied,
      body: streamBody,
      count: streams,
      verify: assertOneDoneAtEnd,
    });
    const addedLatency = {
      p50Ms: difference(gatewayChat.total.p50Ms, directChat.total.p50Ms),
      p99Ms: difference(gatewayChat.total.p99Ms, directChat.total.p99Ms),
    };
    const addedFirstByte = {
      p50Ms: difference(gatewayStream.firstByte.p50Ms, directStream.firstByte.p50Ms),
      p99Ms: difference(gatewayStream.firstByte.p99Ms, directStream.firstByte.p99Ms),
    };

    const { total: dc } = directChat;
    const { total: gc } = gatewayChat;
    const { firstByte: ds } = directStream;
    const { firstByte: gs } = gatewayStream;
    const rows = [
      [
        '3 chat direct, 50 conn',
        String(directLoad.requestsPerSecond),
        String(directLoad.p50Ms),
        String(directLoad.p99Ms),
        `baseline, ${directLoad.non2xx} non-2xx (50-conn latency = queueing)`,
      ],
      [
        '3 chat gateway, 50 conn',
        String(gatewayLoad.requestsPerSecond),
        String(gatewayLoad.p50Ms),
        String(gatewayLoad.p99Ms),
        `${(ratio * 100).toFixed(0)}% of direct (target ≥ 40%, stretch 60%), gateway ${throughput.gateway.cpuMicrosPerRequest} µs CPU/request, ${gatewayLoad.non2xx} non-2xx`,
      ],
      ['3 chat direct, 1 conn', '-', ms(dc.p50Ms), ms(dc.p99Ms), `${count} sequential, no queueing`],
      [
        '3 chat gateway, 1 conn',
        '-',
        ms(gc.p50Ms),
        ms(gc.p99Ms),
        `adds ${added(gc.p50Ms, dc.p50Ms)} p50 (target < 1 ms), ${added(gc.p99Ms, dc.p99Ms)} p99, ${gatewayChat.non2xx} non-2xx`,
      ],
      ['3 stream TTFB direct', '-', ms(ds.p50Ms), ms(ds.p99Ms), `${streams} sequential, to first body byte`],
      [
        '3 stream TTFB gateway',
        '-',
        ms(gs.p50Ms),
        ms(gs.p99Ms),
        `adds ${added(gs.p50Ms, ds.p50Ms)} p50, ${added(gs.p99Ms, ds.p99Ms)} p99, ${gatewayStream.non2xx} non-2xx, [DONE] once in each`,
      ],
    ];
    const result = {
      throughput: { direct: throughput.direct, gateway: throughput.gateway, ratio },
      sequential: { direct: directChat, gateway: gatewayChat, added: addedLatency },
      streamFirstByte: { direct: directStream, gateway: gatewayStream, added: addedFirstByte },
    };
    return { result, rows };
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}
