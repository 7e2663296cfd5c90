import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
