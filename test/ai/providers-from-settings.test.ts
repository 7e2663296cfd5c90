import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProvidersFromSettings, resolveAiSettings } from '../../src/ai/ai-settings.js';
import { createModelRouter } from '../../src/ai/model-router.js';
import { startFakeAnthropic } from '../helpers/fakes/fake-anthropic.js';
import { startFakeAzureOpenAI } from '../helpers/fakes/fake-azure-openai.js';
import { FAKE_REPLY, startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { drain } from './router-fixtures.js';

describe('providers built from settings, routed by model', () => {
  it('serves each provider kind (stream and non-stream) through one router', async (t) => {
    const lmstudio = await startFakeOpenAI({ models: ['llama-3.1-8b-instruct'] });
    const openai = await startFakeOpenAI({ apiKey: 'sk-o', models: ['gpt-4o'] });
    const anthropic = await startFakeAnthropic({ apiKey: 'ant' });
    const azure = await startFakeAzureOpenAI({ apiKey: 'az', deployments: { prod: 'gpt-4.1' } });
    const settings = resolveAiSettings({
      lmstudio: { enabled: true, baseUrl: lmstudio.url },
      openai: { apiKey: 'sk-o', baseUrl: `${openai.url}/v1` },
      anthropic: { apiKey: 'ant', baseUrl: anthropic.url, models: ['claude-sonnet-4-5'] },
      'azure-openai': { endpoint: azure.url, apiKey: 'az', deployments: 'gpt-4.1=prod' },
    });
    const router = createModelRouter({ strategy: settings.strategy });
    for (const { name, provider, options } of createProvidersFromSettings(settings)) {
      router.registerProvider(name, provider, options);
    }
    t.after(async () => {
      await router.close();
      await Promise.all([lmstudio, openai, anthropic, azure].map((fake) => fake.close()));
    });
    await router.runHealthChecks();
    assert.deepEqual(
      router.status().providers.map((p) => [p.name, p.healthy, p.models]),
      [
        ['lmstudio', true, ['llama-3.1-8b-instruct']],
        ['openai', true, ['gpt-4o']],
        ['anthropic', true, ['claude-sonnet-4-5']],
        ['azure-openai', true, ['gpt-4.1']],
      ],
    );
    const cases = [
      ['llama-3.1-8b-instruct', 'lmstudio'],
      ['gpt-4o', 'openai'],
      ['claude-sonnet-4-5', 'anthropic'],
      ['gpt-4.1', 'azure-openai'],
    ] as const;
    for (const [model, provider] of cases) {
      const request = { model, messages: [{ role: 'user' as const, content: 'Hi' }] };
      const completion = await router.chatCompletion(request);
      assert.equal(completion.provider, provider);
      assert.equal(completion.completion.choices[0]?.message.content, FAKE_REPLY);
      const stream = await router.streamCompletion(request);
      const chunks = await drain(stream.chunks);
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), FAKE_REPLY);
      assert.ok(chunks.at(-1)?.usage && !chunks.at(-1)?.usage?.estimated, `${provider} reports usage`);
    }
  });
});
