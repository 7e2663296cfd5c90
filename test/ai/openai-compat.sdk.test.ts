import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { FAKE_ANTHROPIC_USAGE } from '../helpers/fakes/fake-anthropic.js';
import { FAKE_REPLY, FAKE_TOOL_ARGUMENTS, FAKE_USAGE } from '../helpers/fakes/fake-openai.js';
import { aiKey, buildAiApp, type ProviderKind, providerOfKind, tokensOf } from './ai-http-fixtures.js';

const kinds: ProviderKind[] = ['openai', 'lmstudio', 'azure', 'anthropic'];
const usageOf = (kind: ProviderKind) =>
  kind === 'anthropic'
    ? { prompt: FAKE_ANTHROPIC_USAGE.input_tokens, completion: FAKE_ANTHROPIC_USAGE.output_tokens }
    : { prompt: FAKE_USAGE.prompt_tokens, completion: FAKE_USAGE.completion_tokens };

async function gatewayClient(t: Parameters<typeof buildAiApp>[0], kind: ProviderKind) {
  const provider = await providerOfKind(t, kind);
  const app = await buildAiApp(t, provider.settings);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new OpenAI({ apiKey: await aiKey(app), baseURL: `${address}/v1`, maxRetries: 0 });
  return { app, client, ...provider };
}

describe('the official openai SDK against the gateway', () => {
  for (const kind of kinds) {
    it(`${kind}: lists models, completes a chat and a streamed chat, and bills the key`, async (t) => {
      const { app, client, model, server } = await gatewayClient(t, kind);

      const models = await client.models.list();
      assert.ok(
        models.data.some((entry) => entry.id === model && entry.object === 'model'),
        `${model} is listed`,
      );

      const completion = await client.chat.completions.create({
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Explain semantic versioning' },
        ],
      });
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
      assert.equal(completion.choices[0]?.finish_reason, 'stop');
      const expected = usageOf(kind);
      assert.equal(completion.usage?.prompt_tokens, expected.prompt);
      assert.equal(completion.usage?.completion_tokens, expected.completion);

      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Explain semantic versioning' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, FAKE_REPLY);
      assert.equal(usage?.prompt_tokens, expected.prompt);
      assert.equal(usage?.completion_tokens, expected.completion);
      assert.equal((usage as { estimated?: boolean }).estimated, undefined, 'reported, not estimated');

      assert.deepEqual(await tokensOf(app), {
        prompt: expected.prompt * 2,
        completion: expected.completion * 2,
      });
      const upstream = server.requests.filter((request) => request.method === 'POST');
      assert.equal(upstream.length, 2);
    });
  }

  it('passes tools through and returns the tool call, streamed and not (OpenAI and Anthropic)', async (t) => {
    for (const kind of ['openai', 'anthropic'] as const) {
      const { client, model, server } = await gatewayClient(t, kind);
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      server.script({ kind: 'tool-call' }, { kind: 'tool-call' });
      const completion = await client.chat.completions.create({ model, messages, tools });
      const call = completion.choices[0]?.message.tool_calls?.[0];
      assert.equal(completion.choices[0]?.finish_reason, 'tool_calls', kind);
      assert.ok(call?.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), JSON.parse(FAKE_TOOL_ARGUMENTS));
      const sent = server.requests.at(-1)?.body as { tools: unknown[] };
      assert.equal(sent.tools.length, 1, `${kind} received the tool`);

      const stream = await client.chat.completions.create({ model, messages, tools, stream: true });
      let args = '';
      let name = '';
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          name += delta.function?.name ?? '';
          args += delta.function?.arguments ?? '';
        }
        assert.equal(chunk.usage, undefined, 'no usage chunk unless asked for');
      }
      assert.equal(name, 'get_weather');
      assert.deepEqual(JSON.parse(args), JSON.parse(FAKE_TOOL_ARGUMENTS));
    }
  });

  it('surfaces gateway errors as SDK errors: unknown model 400, missing key 401', async (t) => {
    const { client, app } = await gatewayClient(t, 'openai');
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /not served/.test(error.message),
    );
    const anonymous = new OpenAI({ apiKey: 'lbapi_wrong', baseURL: client.baseURL, maxRetries: 0 });
    await assert.rejects(anonymous.models.list(), OpenAI.AuthenticationError);
    assert.ok(app.server.listening);
  });

  it('passes terminal output with escape sequences to the model as sent; NUL is refused naming the field', async (t) => {
    const { client, model, server } = await gatewayClient(t, 'openai');
    const terminal = 'Why is this red?\n\u001b[31mERROR\u001b[0m build failed\r\n';
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: terminal }],
    });
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    const forwarded = server.requests.at(-1)?.body as { messages: { content: string }[] };
    assert.equal(forwarded.messages[0]?.content, terminal);

    await assert.rejects(
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'a\u0000b' }] }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && /messages\/0\/content/.test(error.message),
    );
  });
});
