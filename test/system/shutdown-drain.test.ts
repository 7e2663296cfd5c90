/**
 * SIGTERM on the real process (src/main.ts) with AI streams running against a fake OpenAI upstream
 * that holds its streams open until the test lets them go. During the drain `/ready` answers 503 on
 * connections opened before it (and new ones), `/health` keeps answering and new work is refused;
 * streams still running at the deadline end with an error event (and `[DONE]` on `/v1`), not a cut,
 * and the process exits 0. Nothing here depends on speed: the held streams cannot end by themselves.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { openAIAnswers } from '../helpers/fakes/fake-openai.js';
import { type FakeServer, startFakeServer } from '../helpers/fakes/fake-server.js';
import { startGateway, tempDataDir, waitForOutput } from '../helpers/gateway-process.js';

const ADMIN_KEY = 'shutdown-test-admin-key-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/** A fake OpenAI server whose streams send their first chunks, then wait for `release()`. */
async function heldStreamsUpstream(t: { after: (fn: () => Promise<void>) => void }) {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const answers = openAIAnswers({});
  const fake: FakeServer = await startFakeServer(async (exchange) => {
    const { request, res } = exchange;
    if (request.method === 'GET') {
      return exchange.json(200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] });
    }
    const frames = answers.streamFrames(exchange, request.body as { stream: true });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const frame of frames.slice(0, 3)) res.write(frame);
    await released;
    for (const frame of frames.slice(3)) res.write(frame);
    res.end();
  });
  t.after(() => fake.close());
  return { url: fake.url, release };
}

function startWithUpstream(t: Parameters<typeof tempDataDir>[0], upstream: string, shutdownMs: number) {
  const run = startGateway({
    DATA_DIR: tempDataDir(t),
    PORT: '0',
    LOG_LEVEL: 'info',
    API_KEY_ADMIN: ADMIN_KEY,
    OPENAI_API_KEY: 'sk-fake',
    OPENAI_BASE_URL: `${upstream}/v1`,
    SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
  });
  t.after(() => {
    run.child.kill('SIGKILL');
  });
  return run;
}

/** A stream whose first chunk has arrived; `rest` resolves with everything until the gateway ends it. */
async function openStream(url: string, path: '/ai/chat' | '/v1/chat/completions') {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }], stream: true }),
  });
  assert.equal(response.status, 200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const first = await reader.read();
  let text = decoder.decode(first.value);
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { first: text, rest };
}

/** One keep-alive connection, opened before the drain, that sends requests one after another. */
async function keepAliveConnection(url: string) {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let buffered = '';
  let waiting: (() => void) | undefined;
  socket.on('data', (chunk) => {
    buffered += chunk;
    waiting?.();
  });
  async function get(path: string) {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(buffered.slice(0, end));
      if (end !== -1 && length && buffered.length >= end + 4 + Number(length[1])) {
        const head = buffered.slice(0, end);
        const body = buffered.slice(end + 4, end + 4 + Number(length[1]));
        buffered = buffered.slice(end + 4 + Number(length[1]));
        return {
          status: Number(head.split(' ')[1]),
          head,
          body: JSON.parse(body) as Record<string, unknown>,
        };
      }
      await new Promise<void>((resolve) => {
        waiting = resolve;
      });
    }
  }
  return { get, socket };
}

describe('graceful shutdown', { timeout: 60_000 }, () => {
  it('during the drain /ready is 503 on open connections, /health answers, new work is refused; then it exits 0', async (t) => {
    const upstream = await heldStreamsUpstream(t);
    const run = startWithUpstream(t, upstream.url, 60_000);
    const [, url = ''] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    const probe = await keepAliveConnection(url);
    t.after(() => probe.socket.destroy());
    assert.equal((await probe.get('/ready')).status, 200);
    const stream = await openStream(url, '/v1/chat/completions');
    assert.match(stream.first, /chat\.completion\.chunk/);

    run.child.kill('SIGTERM');
    await waitForOutput(run, /shutting down: draining/);

    const ready = await probe.get('/ready');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { ready: false, reason: 'shutting down' });
    const health = await probe.get('/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'healthy');
    // The same connection still answers probes, and a new connection does too.
    assert.equal((await probe.get('/ready')).status, 503);
    assert.equal((await fetch(`${url}/ready`)).status, 503);

    const refused = await fetch(`${url}/ai/chat`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.headers.get('connection'), 'close');
    const envelope = (await refused.json()) as { error: { code: string; details: unknown } };
    assert.equal(envelope.error.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(envelope.error.details, { reason: 'shutting_down' });
    assert.equal(run.child.exitCode, null, 'still draining while a stream runs');

    // The running stream finishes normally; with nothing left in flight the process exits.
    upstream.release();
    const text = await stream.rest;
    assert.match(text, /data: \[DONE\]\n\n$/);
    assert.doesNotMatch(text, /"error"/);
    assert.equal(await run.exited, 0);
    assert.doesNotMatch(run.output(), /drain deadline reached/);
  });

  it('streams still running at the deadline end with an error event ([DONE] on /v1), and the process exits 0', async (t) => {
    const upstream = await heldStreamsUpstream(t);
    const run = startWithUpstream(t, upstream.url, 300);
    const [, url = ''] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    const chat = await openStream(url, '/ai/chat');
    assert.match(chat.first, /event: delta/);
    const compat = await openStream(url, '/v1/chat/completions');

    run.child.kill('SIGTERM');
    const [chatText, compatText] = await Promise.all([chat.rest, compat.rest]);

    const chatEvents = chatText.trim().split('\n\n');
    const last = chatEvents.at(-1) ?? '';
    assert.match(last, /^event: error\ndata: /);
    const error = (JSON.parse(last.split('data: ')[1] ?? '') as { error: Record<string, unknown> }).error;
    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(error.details, { reason: 'shutting_down' });
    assert.doesNotMatch(chatText, /event: done/);

    const compatEvents = compatText.trim().split('\n\n');
    assert.equal(compatEvents.at(-1), 'data: [DONE]');
    const compatError = JSON.parse((compatEvents.at(-2) ?? '').slice('data: '.length)) as {
      error: { code: string; type: string };
    };
    assert.equal(compatError.error.code, 'SERVICE_UNAVAILABLE');
    assert.equal(compatError.error.type, 'server_error');

    assert.equal(await run.exited, 0);
    assert.match(run.output(), /drain deadline reached/);
    upstream.release();
  });
});
