import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { estimateTokens } from '../../src/ai/providers/provider.js';
import type { FakeBehaviour, FakeServer } from '../helpers/fakes/fake-server.js';
import { adminAuth, bearer } from '../helpers/keys.js';
import {
  aiKey,
  buildAiApp,
  buildAiTestApp,
  chatBody,
  parseSse,
  providerOfKind,
  tokensOf,
  twoProviders,
} from './ai-http-fixtures.js';

/** Quick upstream timeouts: a hanging provider fails over in a fraction of a second. */
const quick = { ai: { timeouts: { connectMs: 500, headersMs: 300, idleMs: 300, totalMs: 5_000 } } };

const failures: Array<[string, FakeBehaviour | 'down']> = [
  ['down', 'down'],
  ['500', { kind: 'status', status: 500 }],
  ['429 with retry-after', { kind: 'status', status: 429, headers: { 'retry-after': '30' } }],
  ['hanging (timeout)', { kind: 'hang' }],
];

async function chat(app: FastifyInstance, key: string, stream: boolean) {
  if (!stream) {
    return app.inject({ method: 'POST', url: '/ai/chat', headers: bearer(key), payload: chatBody });
  }
  return app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: bearer(key),
    payload: { ...chatBody, stream: true },
  });
}

const streamedText = (body: string) =>
  parseSse(body)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data).choices?.[0]?.delta?.content ?? '')
    .join('');

/** Waits (bounded) for work the gateway finishes after the response, such as settling a closed stream. */
async function eventually(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AI endpoints: failover before the first byte', () => {
  for (const stream of [false, true]) {
    for (const [label, behaviour] of failures) {
      it(`${stream ? 'stream' : 'JSON'}: first provider ${label} → answer from the second, first cooled down`, async (t) => {
        const { a, b, settings } = await twoProviders(t);
        const app = await buildAiApp(t, settings, quick);
        const key = await aiKey(app);
        if (behaviour === 'down') await a.close();
        else a.script(behaviour);

        const response = await chat(app, key, stream);
        assert.equal(response.statusCode, 200, response.body);
        if (stream) {
          assert.equal(streamedText(response.body), 'Answer from b.');
          assert.equal(parseSse(response.body).at(-1)?.data, '[DONE]');
        } else {
          assert.equal(response.json().response, 'Answer from b.');
          assert.equal(response.json().provider, 'b');
        }
        assert.equal(b.requests.filter((request) => request.method === 'POST').length, 1);
        const status = (await app.inject({ url: '/ai/status' })).json();
        const first = status.providers.find((provider: { name: string }) => provider.name === 'a');
        assert.equal(first.available, false, 'the failing provider cools down');
        assert.notEqual(first.cooldown_until, null);
        assert.equal(first.errors, 1);
      });
    }
  }

  for (const stream of [false, true]) {
    it(`${stream ? 'stream' : 'JSON'}: a connection dropped as the request went out → the same provider answers, no failover`, async (t) => {
      const { a, b, settings } = await twoProviders(t);
      const app = await buildAiApp(t, settings, quick);
      const key = await aiKey(app);
      a.script({ kind: 'drop' });
      const response = await chat(app, key, stream);
      assert.equal(response.statusCode, 200, response.body);
      if (stream) assert.equal(streamedText(response.body), 'Answer from a.');
      else assert.equal(response.json().provider, 'a');
      const posts = (server: FakeServer) => server.requests.filter((request) => request.method === 'POST');
      assert.equal(posts(a).length, 2, 'the dropped request was sent once more');
      assert.equal(posts(b).length, 0);
      const status = (await app.inject({ url: '/ai/status' })).json();
      const first = status.providers.find((provider: { name: string }) => provider.name === 'a');
      assert.equal(first.available, true, 'a stale connection does not cool the provider down');
      assert.equal(first.errors, 0);
      const metrics = (await app.inject({ url: '/metrics', headers: adminAuth })).body.split('\n');
      assert.deepEqual(
        metrics.filter((line) => line.startsWith('lunarbit_ai_upstream_resends_total{')),
        ['lunarbit_ai_upstream_resends_total{provider="a"} 1'],
        'the resend is counted',
      );
    });
  }

  it('every provider failing → 502/503 envelope, not a stream', async (t) => {
    const { a, b, settings } = await twoProviders(t);
    const app = await buildAiApp(t, settings, quick);
    const key = await aiKey(app);
    a.script({ kind: 'status', status: 500 });
    b.script({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const response = await chat(app, key, true);
    assert.equal(response.statusCode, 502, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.json().error.code, 'AI_PROVIDER_ERROR');
    const again = await chat(app, key, false);
    assert.equal(again.statusCode, 503);
    assert.equal(again.json().error.code, 'AI_UNAVAILABLE');
    assert.match(String(again.headers['retry-after']), /^\d+$/);
  });
});

describe('AI endpoints: failures after the first byte', () => {
  const midStream: Array<[string, FakeBehaviour, string]> = [
    ['connection cut', { kind: 'cut-mid-stream', afterEvents: 4 }, 'AI_PROVIDER_ERROR'],
    ['in-stream error event', { kind: 'stream-error' }, 'AI_PROVIDER_ERROR'],
    ['stall (idle timeout)', { kind: 'stall-mid-stream', afterEvents: 4 }, 'UPSTREAM_TIMEOUT'],
  ];
  for (const [label, behaviour, code] of midStream) {
    it(`${label}: /ai/chat ends with an error event carrying the envelope, never done`, async (t) => {
      const { a, b, settings } = await twoProviders(t);
      const app = await buildAiApp(t, settings, quick);
      a.script(behaviour);
      const response = await app.inject({
        method: 'POST',
        url: '/ai/chat',
        headers: bearer(await aiKey(app)),
        payload: { ...chatBody, stream: true },
      });
      assert.equal(response.statusCode, 200);
      const events = parseSse(response.body);
      assert.ok(
        events.some((event) => event.event === 'delta'),
        'content arrived before the failure',
      );
      assert.equal(events.filter((event) => event.event === 'done').length, 0);
      const last = events.at(-1)!;
      assert.equal(last.event, 'error');
      const { error } = JSON.parse(last.data);
      assert.equal(error.code, code);
      assert.equal(error.details.after_first_chunk, true);
      assert.equal(error.request_id, response.headers['x-request-id']);
      assert.match(error.documentation_url, new RegExp(`/docs/errors#${code}$`));
      assert.equal(
        b.requests.filter((request) => request.method === 'POST').length,
        0,
        'no failover mid-stream',
      );
    });

    it(`${label}: /v1/chat/completions ends with an OpenAI error object, never [DONE]`, async (t) => {
      const { a, b, settings } = await twoProviders(t);
      const app = await buildAiApp(t, settings, quick);
      a.script(behaviour);
      const response = await chat(app, await aiKey(app), true);
      assert.equal(response.statusCode, 200);
      const frames = parseSse(response.body);
      assert.ok(
        frames.every((frame) => frame.data !== '[DONE]'),
        'no [DONE] after a failure',
      );
      assert.ok(
        streamedText(
          frames
            .slice(0, -1)
            .map((f) => `data: ${f.data}\n\n`)
            .join(''),
        ).length > 0,
      );
      const final = JSON.parse(frames.at(-1)!.data);
      assert.equal(final.error.code, code);
      assert.equal(typeof final.error.message, 'string');
      assert.equal(
        b.requests.filter((request) => request.method === 'POST').length,
        0,
        'no failover mid-stream',
      );
    });
  }
});

/** A request over its own socket, so that destroying it is a client vanishing mid-exchange. */
async function post(address: string, path: string, key: string, body: unknown, awaitResponse = true) {
  const url = new URL(path, address);
  const request = http.request(url, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
  });
  request.on('error', () => {});
  request.end(JSON.stringify(body));
  const response = awaitResponse
    ? await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve))
    : undefined;
  return { request, response: response as http.IncomingMessage };
}

describe('AI endpoints: clients that go away', () => {
  async function listening(t: Parameters<typeof buildAiApp>[0], server?: FakeServer) {
    const provider = await providerOfKind(t, 'openai');
    const { app, logLines } = await buildAiTestApp(t, provider.settings, {
      ai: { timeouts: { connectMs: 500, headersMs: 10_000, idleMs: 10_000, totalMs: 20_000 } },
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, logLines, address, key: await aiKey(app), fakeServer: server ?? provider.server };
  }

  /** Not the gateway's failure: one access line with 499 (as proxies log it), and no error logged. */
  async function assertLoggedAsClientGone(logLines: () => Record<string, unknown>[]) {
    const completed = () =>
      logLines().filter((line) => line.msg === 'request completed' && line.route === '/ai/chat');
    await eventually(async () => completed().length > 0, 'the access log line');
    assert.deepEqual(
      completed().map((line) => line.status),
      [499],
    );
    assert.deepEqual(
      logLines().filter((line) => line.level === 'error'),
      [],
      'nothing is logged as an error',
    );
  }

  it('a client leaving mid-stream closes the upstream connection and is billed what was streamed', async (t) => {
    const { app, logLines, address, key, fakeServer } = await listening(t);
    // Two words, then the upstream keeps the connection open without sending more.
    fakeServer.script({ kind: 'stall-mid-stream', afterEvents: 4 });
    const { request, response } = await post(address, '/ai/chat', key, { ...chatBody, stream: true });
    assert.equal(response.statusCode, 200);
    let received = '';
    for await (const data of response) {
      received += String(data);
      if (received.includes(' versioning')) break;
    }
    request.destroy();
    const upstream = fakeServer.requests.find((recorded) => recorded.method === 'POST')!;
    await upstream.closed;
    assert.equal(upstream.clientClosedEarly, true, 'the gateway closed the upstream request');

    // No usage chunk arrived: what was streamed is billed as an estimate.
    const prompt = estimateTokens(chatBody.messages[0]!.content);
    const expected = { prompt, completion: estimateTokens('Semantic versioning') };
    await eventually(async () => (await tokensOf(app)).prompt > 0, 'the usage record');
    assert.deepEqual(await tokensOf(app), expected);
    await assertLoggedAsClientGone(logLines);
  });

  it('a client leaving before a non-streamed answer closes the upstream connection', async (t) => {
    const { logLines, address, key, fakeServer } = await listening(t);
    fakeServer.script({ kind: 'hang' });
    const { request } = await post(address, '/ai/chat', key, chatBody, false);
    const isChat = (recorded: { method: string }) => recorded.method === 'POST';
    await eventually(async () => fakeServer.requests.some(isChat), 'the upstream request');
    request.destroy();
    const upstream = fakeServer.requests.find(isChat)!;
    await upstream.closed;
    assert.equal(upstream.clientClosedEarly, true);
    await assertLoggedAsClientGone(logLines);
    assert.ok(logLines().some((line) => line.msg === 'the client closed the connection before the answer'));
  });
});
