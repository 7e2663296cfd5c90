/**
 * Scenario 3: `POST /v1/chat/completions` through the gateway vs. straight to the same fake OpenAI
 * upstream (the tests' fake, in its own process) and vs. Portkey's gateway forwarding to that
 * upstream (unless BENCH_PEERS=0). Throughput at 50 connections; added latency and stream time to
 * first byte with one request in flight, where queueing does not hide them. BENCH_SEQUENTIAL
 * (default 2000) non-stream and BENCH_STREAMS (default 300) stream requests per side;
 * BENCH_CPU_PROF=<dir> writes a CPU profile of the gateway there when it stops.
 */
import { randomBytes } from 'node:crypto';
import { FAKE_REPLY } from '../test/helpers/fakes/fake-openai.js';
import { type AlternatedLoad, alternate, type LoadOptions, measureLoad } from './bench-load.js';
import { ensurePeers, PEER_VERSIONS, peersWanted, portkeyHeaders, startPortkey } from './bench-peers.js';
import { type RunningProcess, startFakeUpstream, startGateway, waitForModel } from './bench-processes.js';
import { seedThroughApi } from './bench-seed.js';
import { measureSequential, type SequentialResult } from './bench-sequential.js';

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

/** Every side is measured only after it answered the upstream's completion. */
async function assertCompletion(side: string, target: { url: string; headers: Record<string, string> }) {
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: chatBody });
  const body = await response.text();
  const answer =
    response.status === 200 ? (JSON.parse(body) as { choices?: { message?: { content?: string } }[] }) : {};
  if (answer.choices?.[0]?.message?.content !== FAKE_REPLY)
    throw new Error(
      `scenario 3: ${side} does not answer the upstream's completion: ${response.status} ${body}`,
    );
}

const ms = (value: number) => value.toFixed(3);
const difference = (gateway: number, direct: number) => Math.round((gateway - direct) * 1000) / 1000;
const added = (gateway: number, direct: number) =>
  `${gateway >= direct ? '+' : ''}${ms(gateway - direct)} ms`;

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
  let portkey: RunningProcess | undefined;
  try {
    if (peersWanted()) portkey = await startPortkey(ensurePeers());
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
    // Portkey has no keys of its own: the upstream's key goes through it.
    const viaPortkey = portkey && {
      url: `${portkey.url}/v1/chat/completions`,
      headers: { ...direct.headers, ...portkeyHeaders(`${upstream.url}/v1`) },
    };
    await waitForModel(gateway.url, key, 'gpt-4o-mini');
    await assertCompletion('the upstream', direct);
    await assertCompletion('the gateway', proxied);
    if (viaPortkey) await assertCompletion('Portkey', viaPortkey);

    // Throughput: 50 connections; the gateway warm-up also warms the upstream behind it.
    const post = (target: typeof direct): LoadOptions => ({ ...target, method: 'POST', body: chatBody });
    await measureLoad({ ...post(proxied), durationSeconds: 2 });
    if (viaPortkey) await measureLoad({ ...post(viaPortkey), durationSeconds: 2 });
    const targets: Record<string, { pid?: number; load: LoadOptions }> = {
      direct: { load: post(direct) },
      gateway: { pid: gateway.pid, load: post(proxied) },
    };
    if (portkey && viaPortkey) targets.portkey = { pid: portkey.pid, load: post(viaPortkey) };
    const throughput = await alternate(Number(process.env.BENCH_ROUNDS ?? 3), targets);
    const directLoad = throughput.direct!.median;
    const gatewayRounds = throughput.gateway!;
    const gatewayLoad = gatewayRounds.median;
    const ratio = gatewayLoad.requestsPerSecond / directLoad.requestsPerSecond;
    const portkeyRounds: AlternatedLoad | undefined = throughput.portkey;
    const portkeyRatio =
      portkeyRounds && gatewayLoad.requestsPerSecond / portkeyRounds.median.requestsPerSecond;

    // Latency and time to first byte: one request at a time, after a warm-up of each path.
    const count = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
    const streams = Number(process.env.BENCH_STREAMS ?? 300);
    for (const target of [direct, proxied]) {
      await measureSequential({ ...target, body: chatBody, count: WARM_UP });
      await measureSequential({ ...target, body: streamBody, count: WARM_UP });
    }
    if (viaPortkey) await measureSequential({ ...viaPortkey, body: chatBody, count: WARM_UP });
    const directChat = await measureSequential({ ...direct, body: chatBody, count });
    const gatewayChat = await measureSequential({ ...proxied, body: chatBody, count });
    const portkeyChat: SequentialResult | undefined =
      viaPortkey && (await measureSequential({ ...viaPortkey, body: chatBody, count }));
    const directStream = await measureSequential({ ...direct, body: streamBody, count: streams });
    const gatewayStream = await measureSequential({
      ...proxied,
      body: streamBody,
      count: streams,
      verify: assertOneDoneAtEnd,
    });
    const addedLatency = {
      meanMs: difference(gatewayChat.total.meanMs, directChat.total.meanMs),
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
    const portkeyVersion = PEER_VERSIONS['@portkey-ai/gateway'];
    const rows = [
      [
        '3 chat direct, 50 conn',
        String(directLoad.requestsPerSecond),
        String(directLoad.p50Ms),
        String(directLoad.p99Ms),
        `baseline, ${directLoad.non2xx} non-2xx (50-conn latency = queueing)`,
      ],
      ...(portkeyRounds
        ? [
            [
              '3 chat Portkey, 50 conn',
              String(portkeyRounds.median.requestsPerSecond),
              String(portkeyRounds.median.p50Ms),
              String(portkeyRounds.median.p99Ms),
              `peer ${portkeyVersion}, ${portkeyRounds.cpuMicrosPerRequest} µs CPU/request, ${portkeyRounds.median.non2xx} non-2xx`,
            ],
          ]
        : []),
      [
        '3 chat gateway, 50 conn',
        String(gatewayLoad.requestsPerSecond),
        String(gatewayLoad.p50Ms),
        String(gatewayLoad.p99Ms),
        `${ratio.toFixed(2)}× direct (target ≥ 0.25×)${portkeyRatio === undefined ? '' : `, ${portkeyRatio.toFixed(2)}× Portkey (target ≥ 5×)`}, gateway ${gatewayRounds.cpuMicrosPerRequest} µs CPU/request, ${gatewayLoad.non2xx} non-2xx`,
      ],
      [
        '3 chat direct, 1 conn',
        '-',
        ms(dc.p50Ms),
        ms(dc.p99Ms),
        `mean ${ms(dc.meanMs)} ms, ${count} sequential`,
      ],
      ...(portkeyChat
        ? [
            [
              '3 chat Portkey, 1 conn',
              '-',
              ms(portkeyChat.total.p50Ms),
              ms(portkeyChat.total.p99Ms),
              `mean ${ms(portkeyChat.total.meanMs)} ms: adds ${added(portkeyChat.total.meanMs, dc.meanMs)} mean, ${portkeyChat.non2xx} non-2xx`,
            ],
          ]
        : []),
      [
        '3 chat gateway, 1 conn',
        '-',
        ms(gc.p50Ms),
        ms(gc.p99Ms),
        `mean ${ms(gc.meanMs)} ms: adds ${added(gc.meanMs, dc.meanMs)} mean (target ≤ 0.3 ms), ${added(gc.p50Ms, dc.p50Ms)} p50, ${added(gc.p99Ms, dc.p99Ms)} p99, ${gatewayChat.non2xx} non-2xx`,
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
      throughput: {
        direct: throughput.direct,
        gateway: gatewayRounds,
        ratio,
        portkey: portkeyRounds,
        portkeyRatio,
      },
      sequential: {
        direct: directChat,
        gateway: gatewayChat,
        added: addedLatency,
        portkey: portkeyChat,
        portkeyAddedMeanMs: portkeyChat && difference(portkeyChat.total.meanMs, directChat.total.meanMs),
      },
      streamFirstByte: { direct: directStream, gateway: gatewayStream, added: addedFirstByte },
    };
    return { result, rows };
  } finally {
    await portkey?.stop();
    await gateway.stop();
    await upstream.stop();
  }
}
