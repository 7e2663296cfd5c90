import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LMStudioProvider } from '../../src/ai/providers/lmstudio.js';
import { OpenAIProvider } from '../../src/ai/providers/openai.js';
import { OpenAICompatibleProvider } from '../../src/ai/providers/openai-compatible.js';
import { type ChatCompletionChunk, ProviderError, upstreamJson } from '../../src/ai/providers/provider.js';
import {
  FAKE_REPLY,
  FAKE_TOOL_ARGUMENTS,
  FAKE_USAGE,
  startFakeOpenAI,
} from '../helpers/fakes/fake-openai.js';
import type { FakeServer } from '../helpers/fakes/fake-server.js';

const messages = [{ role: 'user' as const, content: 'Explain semantic versioning' }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: ChatCompletionChunk[]) =>
  chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');

describe('OpenAI provider against the fake OpenAI server', () => {
  let fake: FakeServer;
  let provider: OpenAIProvider;
  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test' });
    provider = new OpenAIProvider({ apiKey: 'sk-test', baseUrl: `${fake.url}/v1` });
  });
  after(async () => {
    await provider.close();
    await fake.close();
  });

  it('completes without streaming, with the upstream usage', async () => {
    const completion = await provider.chatCompletion({ model: 'gpt-4o-mini', messages, temperature: 0.2 });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    assert.deepEqual(completion.usage, { ...FAKE_USAGE, total_tokens: 26 });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(sent.body, { model: 'gpt-4o-mini', messages, temperature: 0.2, stream: false });
  });

  it('streams chunks, always asks for usage upstream, and ends with the usage chunk', async () => {
    const chunks = await collect(provider.streamCompletion({ model: 'gpt-4o-mini', messages, stream: true }));
    assert.equal(textOf(chunks), FAKE_REPLY);
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'));
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { ...FAKE_USAGE, total_tokens: 26 });
    assert.deepEqual((fake.requests.at(-1)!.body as { stream_options: unknown }).stream_options, {
      include_usage: true,
    });
  });

  it('estimates usage (marked estimated) only when the upstream reports none', async () => {
    fake.script({ kind: 'no-usage' }, { kind: 'no-usage' });
    const completion = await provider.chatCompletion({ model: 'gpt-4o-mini', messages });
    assert.equal(completion.usage.estimated, true);
    assert.ok(completion.usage.completion_tokens > 0);
    const chunks = await collect(provider.streamCompletion({ model: 'gpt-4o-mini', messages }));
    assert.equal(chunks.at(-1)!.usage?.estimated, true);
    assert.equal(textOf(chunks), FAKE_REPLY);
  });

  it('passes tools through and returns tool calls, streamed as deltas', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    fake.script({ kind: 'tool-call' }, { kind: 'tool-call' });
    const completion = await provider.chatCompletion({
      model: 'gpt-4o',
      messages,
      tools,
      tool_choice: 'auto',
    });
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.function.arguments, FAKE_TOOL_ARGUMENTS);
    assert.deepEqual((fake.requests.at(-1)!.body as { tools: unknown }).tools, tools);
    const chunks = await collect(provider.streamCompletion({ model: 'gpt-4o', messages, tools }));
    const args = chunks
      .flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
      .map((call) => call.function?.arguments ?? '')
      .join('');
    assert.equal(args, FAKE_TOOL_ARGUMENTS);
  });

  it('turns upstream errors into typed provider errors with retry-after', async () => {
    fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    await assert.rejects(provider.chatCompletion({ model: 'gpt-4o', messages }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'rate_limited');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 7000);
      return true;
    });
    fake.script({ kind: 'status', status: 503, headers: { 'retry-after-ms': '250' } });
    await assert.rejects(collect(provider.streamCompletion({ model: 'gpt-4o', messages })), {
      kind: 'server',
      status: 503,
      retryAfterMs: 250,
      afterFirstChunk: false,
    });
    fake.script({ kind: 'status', status: 400 });
    await assert.rejects(provider.chatCompletion({ model: 'gpt-4o', messages }), {
      kind: 'client',
      status: 400,
    });
  });

  it('rejects invalid JSON as invalid_response, in answers and in streams', async () => {
    fake.script({ kind: 'invalid-json' }, { kind: 'invalid-json' });
    await assert.rejects(provider.chatCompletion({ model: 'gpt-4o', messages }), {
      kind: 'invalid_response',
    });
    await assert.rejects(collect(provider.streamCompletion({ model: 'gpt-4o', messages })), {
      kind: 'invalid_response',
      afterFirstChunk: true,
    });
  });

  it('surfaces an in-stream error event as an error, never as a normal end', async () => {
    fake.script({ kind: 'stream-error' });
    await assert.rejects(collect(provider.streamCompletion({ model: 'gpt-4o', messages })), {
      kind: 'server',
      afterFirstChunk: true,
    });
  });

  it('fails a stream cut mid-way, after the chunks already received', async () => {
    fake.script({ kind: 'cut-mid-stream', afterEvents: 4 });
    const received: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of provider.streamCompletion({ model: 'gpt-4o', messages }))
          received.push(chunk);
      })(),
      (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.kind, 'server');
        assert.equal(error.afterFirstChunk, true);
        return true;
      },
    );
    assert.ok(received.length >= 1);
  });

  it('lists models and reports health', async () => {
    assert.deepEqual(await provider.getModels(), ['gpt-4o-mini', 'gpt-4o']);
    assert.equal(await provider.isHealthy(), true);
    const wrongKey = new OpenAIProvider({ apiKey: 'sk-wrong', baseUrl: `${fake.url}/v1` });
    assert.equal(await wrongKey.isHealthy(), false);
    await wrongKey.close();
  });
});

describe('LM Studio provider', () => {
  it('appends /v1 to its base URL, sends no key, and discovers the loaded models', async () => {
    const fake = await startFakeOpenAI({ models: ['llama-3.1-8b-instruct'] });
    const provider = new LMStudioProvider({ baseUrl: fake.url });
    try {
      assert.deepEqual(await provider.getModels(), ['llama-3.1-8b-instruct']);
      const completion = await provider.chatCompletion({ model: 'llama-3.1-8b-instruct', messages });
      assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
      const chunks = await collect(provider.streamCompletion({ model: 'llama-3.1-8b-instruct', messages }));
      assert.equal(textOf(chunks), FAKE_REPLY);
      assert.equal(fake.requests.at(-1)!.path, '/v1/chat/completions');
      assert.equal(fake.requests.at(-1)!.headers.authorization, undefined);
    } finally {
      await provider.close();
      await fake.close();
    }
  });
});

describe('OpenAI-compatible stream chunks keep the upstream JSON only while unchanged', () => {
  const frames = [
    // One line, as OpenAI sends it: relayed as is.
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"A"},"finish_reason":null}],"usage":null}\n\n',
    // The same JSON over two data lines: one event whose text holds a line break, never relayed as is.
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"B"},"finish_reason":null}]}\n\n',
    // Without `object`: the gateway adds it, so the text no longer matches.
    'data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"C"},"finish_reason":"stop"}]}\n\n',
    'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":3}}\n\n',
    'data: [DONE]\n\n',
  ];
  let server: http.Server;
  let provider: OpenAICompatibleProvider;
  before(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    provider = new OpenAICompatibleProvider({ name: 'compat', baseUrl: `http://127.0.0.1:${port}/v1` });
  });
  after(async () => {
    await provider.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('marks the one-line, unchanged chunk only', async () => {
    const chunks = await collect(provider.streamCompletion({ model: 'm', messages, stream: true }));
    assert.equal(textOf(chunks), 'ABC');
    assert.deepEqual(
      chunks.map((chunk) => chunk[upstreamJson]),
      [frames[0]!.slice('data: '.length, -2), undefined, undefined, undefined],
    );
    assert.deepEqual(chunks.at(-1)!.usage, { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 });
  });
});
