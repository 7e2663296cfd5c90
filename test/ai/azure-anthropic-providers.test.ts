import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AnthropicProvider } from '../../src/ai/providers/anthropic.js';
import { AzureOpenAIProvider } from '../../src/ai/providers/azure-openai.js';
import type { ChatCompletionChunk, ChatTool } from '../../src/ai/providers/provider.js';
import { FAKE_ANTHROPIC_USAGE, startFakeAnthropic } from '../helpers/fakes/fake-anthropic.js';
import { startFakeAzureOpenAI } from '../helpers/fakes/fake-azure-openai.js';
import { FAKE_REPLY, FAKE_TOOL_ARGUMENTS, FAKE_USAGE } from '../helpers/fakes/fake-openai.js';
import type { FakeServer } from '../helpers/fakes/fake-server.js';

const messages = [{ role: 'user' as const, content: 'Explain semantic versioning' }];
const tools: ChatTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
const textOf = (chunks: ChatCompletionChunk[]) =>
  chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');
const toolArgumentsOf = (chunks: ChatCompletionChunk[]) =>
  chunks
    .flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
    .map((call) => call.function?.arguments ?? '')
    .join('');

describe('Azure OpenAI provider against the fake Azure resource', () => {
  let fake: FakeServer;
  let provider: AzureOpenAIProvider;
  before(async () => {
    fake = await startFakeAzureOpenAI({ apiKey: 'azure-key', deployments: { 'prod-gpt4o': 'gpt-4o' } });
    provider = new AzureOpenAIProvider({
      endpoint: fake.url,
      apiKey: 'azure-key',
      apiVersion: '2024-10-21',
      deployments: { 'gpt-4o': 'prod-gpt4o' },
    });
  });
  after(async () => {
    await provider.close();
    await fake.close();
  });

  it('calls the deployment URL with api-version and the api-key header', async () => {
    const completion = await provider.chatCompletion({ model: 'gpt-4o', messages });
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    assert.deepEqual(completion.usage, { ...FAKE_USAGE, total_tokens: 26 });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/openai/deployments/prod-gpt4o/chat/completions');
    assert.equal(sent.query.get('api-version'), '2024-10-21');
    assert.equal(sent.headers['api-key'], 'azure-key');
    assert.equal(sent.headers.authorization, undefined);
  });

  it('skips the empty-choices prompt-filter chunk and keeps the usage chunk', async () => {
    const chunks = await collect(provider.streamCompletion({ model: 'gpt-4o', messages }));
    assert.equal(textOf(chunks), FAKE_REPLY);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.choices.length === 1));
    assert.ok(chunks.every((chunk) => !('prompt_filter_results' in chunk)));
    assert.deepEqual(chunks.at(-1)!.usage, { ...FAKE_USAGE, total_tokens: 26 });
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
  });

  it('serves only its mapped models and fails a stream cut mid-way', async () => {
    assert.deepEqual(await provider.getModels(), ['gpt-4o']);
    assert.equal(await provider.isHealthy(), true);
    await assert.rejects(provider.chatCompletion({ model: 'gpt-3.5', messages }), { kind: 'client' });
    fake.script({ kind: 'cut-mid-stream', afterEvents: 4 });
    await assert.rejects(collect(provider.streamCompletion({ model: 'gpt-4o', messages })), {
      kind: 'server',
    });
  });
});

describe('Anthropic provider against the fake Messages API', () => {
  let fake: FakeServer;
  let provider: AnthropicProvider;
  const usage = {
    prompt_tokens: FAKE_ANTHROPIC_USAGE.input_tokens,
    completion_tokens: FAKE_ANTHROPIC_USAGE.output_tokens,
    total_tokens: FAKE_ANTHROPIC_USAGE.input_tokens + FAKE_ANTHROPIC_USAGE.output_tokens,
  };
  before(async () => {
    fake = await startFakeAnthropic({ apiKey: 'ant-key' });
    provider = new AnthropicProvider({ apiKey: 'ant-key', baseUrl: fake.url, models: ['claude-sonnet-4-5'] });
  });
  after(async () => {
    await provider.close();
    await fake.close();
  });

  it('translates the request (system prompt, max_tokens default) and the answer', async () => {
    const completion = await provider.chatCompletion({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'system', content: 'Be brief.' }, ...messages],
      temperature: 1.5,
    });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.headers['x-api-key'], 'ant-key');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(sent.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Explain semantic versioning' }] }],
      temperature: 1,
      stream: false,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, usage);
  });

  it('translates the event stream (ping included) to chunks ending with usage', async () => {
    const chunks = await collect(provider.streamCompletion({ model: 'claude-sonnet-4-5', messages }));
    assert.equal(textOf(chunks), FAKE_REPLY);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.usage, usage);
    assert.equal(chunks.at(-1)?.id, 'msg_fake123');
  });

  it('translates tools and tool calls both ways', async () => {
    fake.script({ kind: 'tool-call' }, { kind: 'tool-call' });
    const completion = await provider.chatCompletion({ messages, tools, tool_choice: 'required' });
    const sent = fake.requests.at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(sent.tools, [
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ]);
    assert.deepEqual(sent.tool_choice, { type: 'any' });
    const message = completion.choices[0]!.message;
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(message.content, 'Let me check.');
    assert.deepEqual(JSON.parse(message.tool_calls![0]!.function.arguments), JSON.parse(FAKE_TOOL_ARGUMENTS));
    const chunks = await collect(provider.streamCompletion({ messages, tools }));
    assert.equal(toolArgumentsOf(chunks), FAKE_TOOL_ARGUMENTS);
    const start = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0];
    assert.deepEqual(start, {
      index: 0,
      id: 'toolu_fake1',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('turns a mid-stream error event into an error after the first chunk', async () => {
    fake.script({ kind: 'stream-error' });
    const received: ChatCompletionChunk[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of provider.streamCompletion({ messages })) received.push(chunk);
      })(),
      { name: 'ProviderError', kind: 'server', afterFirstChunk: true },
    );
    assert.equal(received.length, 1);
  });

  it('maps HTTP errors (429 retry-after, 529 overloaded) and invalid JSON', async () => {
    fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    await assert.rejects(provider.chatCompletion({ messages }), { kind: 'rate_limited', retryAfterMs: 3000 });
    fake.script({ kind: 'status', status: 529 });
    await assert.rejects(collect(provider.streamCompletion({ messages })), { kind: 'server', status: 529 });
    fake.script({ kind: 'invalid-json' }, { kind: 'invalid-json' });
    await assert.rejects(provider.chatCompletion({ messages }), { kind: 'invalid_response' });
    await assert.rejects(collect(provider.streamCompletion({ messages })), { kind: 'invalid_response' });
  });

  it('fails a stream cut before message_stop', async () => {
    fake.script({ kind: 'cut-mid-stream', afterEvents: 5 });
    await assert.rejects(collect(provider.streamCompletion({ messages })), { kind: 'server' });
  });

  it('reports health and lists configured models', async () => {
    assert.equal(await provider.isHealthy(), true);
    assert.deepEqual(await provider.getModels(), ['claude-sonnet-4-5']);
    const discovering = new AnthropicProvider({ apiKey: 'ant-key', baseUrl: fake.url });
    assert.deepEqual(await discovering.getModels(), ['claude-sonnet-4-5', 'claude-haiku-4-5']);
    await discovering.close();
    const wrongKey = new AnthropicProvider({ apiKey: 'nope', baseUrl: fake.url });
    assert.equal(await wrongKey.isHealthy(), false);
    await wrongKey.close();
  });
});
