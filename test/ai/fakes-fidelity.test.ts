/**
 * The fakes are only worth something if they speak the real wire formats: the official OpenAI SDK
 * (which parses SSE and the Azure deployment URLs itself) must accept them as the real services.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import { startFakeAzureOpenAI } from '../helpers/fakes/fake-azure-openai.js';
import { FAKE_REPLY, FAKE_USAGE, startFakeOpenAI } from '../helpers/fakes/fake-openai.js';

const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('fake upstreams accepted by the official openai SDK', () => {
  it('fake OpenAI: completion and stream with the usage chunk', async (t) => {
    const fake = await startFakeOpenAI({ apiKey: 'sk-sdk' });
    t.after(() => fake.close());
    const client = new OpenAI({ apiKey: 'sk-sdk', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    assert.equal(completion.usage?.prompt_tokens, FAKE_USAGE.prompt_tokens);

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
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
    assert.equal(usage?.completion_tokens, FAKE_USAGE.completion_tokens);
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['gpt-4o-mini', 'gpt-4o'],
    );
  });

  it('fake OpenAI: the SDK sees a 429 with retry-after as a rate-limit error', async (t) => {
    const fake = await startFakeOpenAI();
    t.after(() => fake.close());
    fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const client = new OpenAI({ apiKey: 'x', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o', messages }),
      OpenAI.RateLimitError,
    );
  });

  it('fake Azure: the AzureOpenAI client streams through a deployment', async (t) => {
    const fake = await startFakeAzureOpenAI({ apiKey: 'az', deployments: { 'my-deploy': 'gpt-4o' } });
    t.after(() => fake.close());
    const client = new AzureOpenAI({
      apiKey: 'az',
      endpoint: fake.url,
      apiVersion: '2024-10-21',
      deployment: 'my-deploy',
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages });
    assert.equal(completion.choices[0]?.message.content, FAKE_REPLY);
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.deepEqual(chunks[0]?.choices, [], 'Azure starts with the prompt-filter chunk');
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), FAKE_REPLY);
    assert.equal(fake.requests.at(-1)!.path, '/openai/deployments/my-deploy/chat/completions');
  });
});
