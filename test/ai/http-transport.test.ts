import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
  STALE_CONNECTION_WINDOW_MS,
} from '../../src/ai/providers/http-transport.js';
import { OpenAICompatibleProvider } from '../../src/ai/providers/openai-compatible.js';
import { ProviderError } from '../../src/ai/providers/provider.js';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { type FakeServer, unreachableUrl } from '../helpers/fakes/fake-server.js';

const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('outbound HTTP: timeouts, caps and aborts', () => {
  let fake: FakeServer;
  let provider: OpenAICompatibleProvider;
  before(async () => {
    fake = await startFakeOpenAI();
    provider = new OpenAICompatibleProvider({
      name: 'compat',
      baseUrl: `${fake.url}/v1`,
      timeouts: { headersMs: 60, idleMs: 60, totalMs: 2_000 },
    });
  });
  after(async () => {
    await provider.close();
    await fake.close();
  });

  it('a client abort mid-stream closes the upstream connection at once', async () => {
    fake.script({ kind: 'stall-mid-stream', afterEvents: 4 });
    const controller = new AbortController();
    const received: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of provider.streamCompletion(request, { signal: controller.signal })) {
          received.push(chunk);
          if (received.length === 2) controller.abort();
        }
      })(),
      { name: 'ProviderError', kind: 'aborted' },
    );
    // The fake holds the stream open (stall), so only our abort can have closed it.
    const upstream = fake.requests.at(-1)!;
    await upstream.closed;
    assert.equal(upstream.clientClosedEarly, true);
  });

  it('stopping the iteration early closes the upstream connection', async () => {
    fake.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    for await (const _chunk of provider.streamCompletion(request)) break;
    const upstream = fake.requests.at(-1)!;
    await upstream.closed;
    assert.equal(upstream.clientClosedEarly, true);
  });

  it('an upstream that never answers times out (headers timeout) and is disconnected', async () => {
    fake.script({ kind: 'hang' });
    await assert.rejects(provider.chatCompletion(request), { name: 'ProviderError', kind: 'timeout' });
    await fake.requests.at(-1)!.closed;
    assert.equal(fake.requests.at(-1)!.clientClosedEarly, true);
  });

  it('a stream that goes silent times out (idle timeout) after its first chunks', async () => {
    fake.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _chunk of provider.streamCompletion(request)) count += 1;
      })(),
      (error: unknown) => error instanceof ProviderError && error.kind === 'timeout' && error.afterFirstChunk,
    );
    assert.ok(count >= 1);
  });

  it('the total deadline bounds a stream that keeps the connection open', async () => {
    const bounded = new OpenAICompatibleProvider({
      name: 'bounded',
      baseUrl: `${fake.url}/v1`,
      timeouts: { headersMs: 1_000, idleMs: 1_000, totalMs: 80 },
    });
    fake.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    await assert.rejects(
      (async () => {
        for await (const _chunk of bounded.streamCompletion(request)) {
        }
      })(),
      { kind: 'timeout' },
    );
    await bounded.close();
  });

  it('a provider that is down is a connect error', async () => {
    const down = new OpenAICompatibleProvider({ name: 'down', baseUrl: `${await unreachableUrl()}/v1` });
    await assert.rejects(down.chatCompletion(request), { kind: 'connect', afterFirstChunk: false });
    assert.equal(await down.isHealthy(), false);
    await down.close();
  });

  it('a long stream read by a slow consumer arrives whole (the upstream is paused and resumed)', async () => {
    const words = Array.from({ length: 4_000 }, (_, index) => ` word${index}`);
    const long = await startFakeOpenAI({ reply: words.join('') });
    const reader = new OpenAICompatibleProvider({ name: 'reader', baseUrl: `${long.url}/v1` });
    try {
      let text = '';
      let chunks = 0;
      for await (const chunk of reader.streamCompletion(request)) {
        for (const choice of chunk.choices) text += choice.delta.content ?? '';
        chunks += 1;
        // Slower than the socket: the events pile up past the pause threshold between reads.
        if (chunks % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(text, words.join(''));
    } finally {
      await reader.close();
      await long.close();
    }
  });

  it('an answer larger than the cap is rejected as invalid', async () => {
    const capped = new OpenAICompatibleProvider({
      name: 'capped',
      baseUrl: `${fake.url}/v1`,
      maxResponseBytes: 100,
    });
    await assert.rejects(capped.chatCompletion(request), { kind: 'invalid_response' });
    await assert.rejects(
      (async () => {
        for await (const _chunk of capped.streamCompletion(request)) {
        }
      })(),
      { kind: 'invalid_response' },
    );
    await capped.close();
  });
});

describe('outbound HTTP: a connection the upstream dropped as the request went out', () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
  });

  const outbound = (stream: boolean) => ({
    method: 'POST' as const,
    url: `${fake.url}/v1/chat/completions`,
    headers: {},
    body: { ...request, stream },
  });

  /** Runs `use` with a transport of its own, closed afterwards. */
  async function withTransport(
    use: (transport: HttpTransport) => Promise<void>,
    options: Partial<HttpTransportOptions> = {},
  ) {
    const transport = createHttpTransport({ provider: 'pool', ...options });
    try {
      await use(transport);
    } finally {
      await transport.close();
    }
  }

  it('a reused connection closed before any byte of the answer: sent once more on a new connection', async () => {
    await withTransport(async (transport) => {
      await transport.requestJson(outbound(false));
      // The pool checks an idle connection for a close before reusing it; let that check pass.
      await new Promise((resolve) => setImmediate(resolve));
      const before = fake.requests.length;
      fake.script({ kind: 'drop' });
      const answer = (await transport.requestJson(outbound(false))) as { object: string };
      assert.equal(answer.object, 'chat.completion');
      const [dropped, resent] = fake.requests.slice(before);
      assert.equal(fake.requests.length, before + 2);
      // The dropped request went out on the idle connection of the first call, the resent one on another.
      assert.equal(dropped!.clientPort, fake.requests[before - 1]!.clientPort);
      assert.notEqual(resent!.clientPort, dropped!.clientPort);
      assert.deepEqual(resent!.body, dropped!.body);
    });
  });

  it('the resent request does not go out on another idle connection of the pool, which may be as stale', async () => {
    await withTransport(async (transport) => {
      try {
        // Two calls at once leave two idle connections in the pool.
        await Promise.all([transport.requestJson(outbound(false)), transport.requestJson(outbound(false))]);
        await new Promise((resolve) => setImmediate(resolve));
        const before = fake.requests.length;
        const idle = new Set(fake.requests.slice(-2).map((request) => request.clientPort));
        assert.equal(idle.size, 2);
        // The upstream has closed both: any request on a used connection is dropped.
        fake.defaultBehaviour = { kind: 'drop', reusedOnly: true };
        const answer = (await transport.requestJson(outbound(false))) as { object: string };
        assert.equal(answer.object, 'chat.completion');
        const [dropped, resent] = fake.requests.slice(before);
        assert.equal(fake.requests.length, before + 2);
        assert.ok(idle.has(dropped!.clientPort));
        assert.ok(!idle.has(resent!.clientPort));
        assert.equal(resent!.earlierOnConnection, 0);
      } finally {
        fake.defaultBehaviour = { kind: 'ok' };
      }
    });
  });

  it('a stream whose connection is dropped before its first byte arrives whole from the resent request', async () => {
    await withTransport(async (transport) => {
      const before = fake.requests.length;
      fake.script({ kind: 'drop' });
      let events = 0;
      let done = false;
      for await (const batch of transport.streamEvents(outbound(true))) {
        for (const event of batch) {
          if (event.data === '[DONE]') done = true;
          else events += 1;
        }
      }
      assert.equal(done, true);
      assert.ok(events > 1);
      assert.equal(fake.requests.length, before + 2);
    });
  });

  it('is sent once more only: a second drop is a connect error', async () => {
    await withTransport(async (transport) => {
      const before = fake.requests.length;
      fake.script({ kind: 'drop' }, { kind: 'drop' });
      await assert.rejects(transport.requestJson(outbound(false)), {
        name: 'ProviderError',
        kind: 'connect',
      });
      assert.equal(fake.requests.length, before + 2);
    });
  });

  it('a drop later than the window after the request was written is not retried', async () => {
    let clock = 0;
    // Every reading of the clock is two windows later than the previous one.
    const now = () => {
      clock += 2 * STALE_CONNECTION_WINDOW_MS;
      return clock;
    };
    await withTransport(
      async (transport) => {
        const before = fake.requests.length;
        fake.script({ kind: 'drop' });
        await assert.rejects(transport.requestJson(outbound(false)), { kind: 'connect' });
        assert.equal(fake.requests.length, before + 1);
      },
      { now },
    );
  });

  it('a connection dropped after the answer started is not retried', async () => {
    await withTransport(async (transport) => {
      const before = fake.requests.length;
      fake.script({ kind: 'cut-mid-stream', afterEvents: 1 });
      await assert.rejects(
        (async () => {
          for await (const _batch of transport.streamEvents(outbound(true))) {
          }
        })(),
        { name: 'ProviderError' },
      );
      assert.equal(fake.requests.length, before + 1);
    });
  });
});
