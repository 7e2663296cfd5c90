/**
 * How many AI calls one provider carries at once, over real sockets: 500 concurrent streams all
 * reach the upstream (which answers none of them before it has seen all 500), and beyond a
 * configured limit a request waits visibly (`/ai/status`, metrics) and is then refused with 503.
 * No outcome depends on speed: held streams end only when the test lets them go.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { adminAuth } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import { buildAiTestApp, fake, OPENAI_KEY } from './ai-http-fixtures.js';

const LONG_TIMEOUTS = { connectMs: 30_000, headersMs: 300_000, idleMs: 300_000, totalMs: 600_000 };
const HOUR = 3_600_000;
const NO_RATE_LIMITS = {
  ...testConfig().rateLimits,
  key: { max: 1_000_000, windowMs: HOUR },
  ip: { max: 1_000_000, windowMs: HOUR },
  ai: { max: 1_000_000, windowMs: HOUR },
};

/** A fake OpenAI server that answers no completion before `gate` resolves. */
async function gatedUpstream(t: Parameters<typeof fake>[0], gate: (arrived: number) => Promise<void>) {
  let arrived = 0;
  return fake(
    t,
    startFakeOpenAI({
      apiKey: OPENAI_KEY,
      onRequest: async (recorded) => {
        if (recorded.method !== 'POST') return;
        arrived += 1;
        await gate(arrived);
      },
    }),
  );
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

function chatRequest(base: string, dispatcher: Agent, path = '/v1/chat/completions') {
  return request(`${base}${path}`, {
    method: 'POST',
    dispatcher,
    headers: { ...adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }], stream: true }),
  });
}

async function aiStatus(app: FastifyInstance) {
  const response = await app.inject({ method: 'GET', url: '/ai/status' });
  const provider = (response.json() as { providers: Record<string, number>[] }).providers[0];
  return provider as { queued: number; queue_rejections: number; max_concurrency: number; in_flight: number };
}

async function metricValue(app: FastifyInstance, name: string): Promise<number> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: adminAuth });
  const line = response.body.split('\n').find((row) => row.startsWith(`${name}{provider="openai"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('AI concurrency per provider', { timeout: 180_000 }, () => {
  it('500 concurrent streams all reach the upstream: every client receives its first byte', async (t) => {
    const CLIENTS = 500;
    let openGate = () => {};
    const allArrived = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    // The upstream answers no stream before it has seen all of them at once.
    const upstream = await gatedUpstream(t, async (arrived) => {
      if (arrived === CLIENTS) openGate();
      await allArrived;
    });
    const { app } = await buildAiTestApp(
      t,
      { openai: { apiKey: OPENAI_KEY, baseUrl: `${upstream.url}/v1` } },
      { ai: { timeouts: LONG_TIMEOUTS }, config: { rateLimits: NO_RATE_LIMITS } },
    );
    const base = await listen(app);
    const clients = new Agent({ connections: null });
    t.after(() => clients.close());

    const firstBytes = await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const response = await chatRequest(base, clients);
        assert.equal(response.statusCode, 200);
        const iterator = response.body[Symbol.asyncIterator]();
        const first = await iterator.next();
        let text = Buffer.from(first.value as Buffer).toString('utf8');
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          text += Buffer.from(next.value as Buffer).toString('utf8');
        }
        return { firstByte: !first.done && text.length > 0, text };
      }),
    );
    assert.equal(firstBytes.length, CLIENTS);
    assert.ok(firstBytes.every(({ firstByte, text }) => firstByte && text.endsWith('data: [DONE]\n\n')));
    assert.equal(upstream.requests.filter((recorded) => recorded.method === 'POST').length, CLIENTS);
    assert.equal((await aiStatus(app)).max_concurrency, 1024);
  });

  it('beyond the limit a request waits visibly (/ai/status, metrics) and takes the first slot released', async (t) => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = await gatedUpstream(t, () => released);
    const settings = { openai: { apiKey: OPENAI_KEY, baseUrl: `${upstream.url}/v1` } };
    const { app } = await buildAiTestApp(t, settings, {
      ai: { timeouts: LONG_TIMEOUTS, maxConcurrency: 2, queueTimeoutMs: 120_000 },
    });
    const base = await listen(app);
    const clients = new Agent({ connections: null });
    t.after(() => clients.close());

    // Two streams hold both slots; a third waits in the queue, visibly.
    const held = [chatRequest(base, clients), chatRequest(base, clients)];
    await until(async () => upstream.requests.filter((r) => r.method === 'POST').length === 2);
    const waiting = chatRequest(base, clients);
    await until(async () => (await aiStatus(app)).queued === 1);
    assert.deepEqual(await aiStatus(app).then(({ queued, in_flight }) => ({ queued, in_flight })), {
      queued: 1,
      in_flight: 2,
    });
    assert.equal(await metricValue(app, 'lunarbit_ai_queued_requests'), 1);
    assert.equal(upstream.requests.filter((r) => r.method === 'POST').length, 2, 'the third is not sent');

    // The held streams end: the waiting request takes a freed slot and is answered.
    release();
    for (const response of await Promise.all([...held, waiting])) {
      assert.equal(response.statusCode, 200);
      assert.match(await response.body.text(), /data: \[DONE\]\n\n$/);
    }
    assert.equal((await aiStatus(app)).queued, 0);
    assert.equal(await metricValue(app, 'lunarbit_ai_queued_requests'), 0);
    assert.equal((await aiStatus(app)).queue_rejections, 0);
  });

  it('a request that finds every slot taken for the whole queue time gets 503 AI_UNAVAILABLE at_capacity', async (t) => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = await gatedUpstream(t, () => released);
    const settings = { openai: { apiKey: OPENAI_KEY, baseUrl: `${upstream.url}/v1` } };
    const { app } = await buildAiTestApp(t, settings, {
      ai: { timeouts: LONG_TIMEOUTS, maxConcurrency: 2, queueTimeoutMs: 50 },
    });
    const base = await listen(app);
    const clients = new Agent({ connections: null });
    t.after(() => clients.close());

    const held = [chatRequest(base, clients), chatRequest(base, clients, '/ai/chat')];
    await until(async () => upstream.requests.filter((r) => r.method === 'POST').length === 2);
    const refused = await chatRequest(base, clients);
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.headers['retry-after'], '1');
    const { error } = (await refused.body.json()) as { error: Record<string, unknown> };
    assert.equal(error.code, 'AI_UNAVAILABLE');
    assert.deepEqual(error.details, { reason: 'at_capacity', providers: ['openai'], queue_timeout_ms: 50 });
    assert.equal((await aiStatus(app)).queue_rejections, 1);
    assert.equal(await metricValue(app, 'lunarbit_ai_queue_rejections_total'), 1);
    assert.equal(upstream.requests.filter((r) => r.method === 'POST').length, 2);

    release();
    for (const response of await Promise.all(held)) {
      assert.equal(response.statusCode, 200);
      await response.body.text();
    }
  });
});
