import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AiSettingsError, createProvidersFromSettings, resolveAiSettings } from './ai-settings.js';
import { AzureOpenAIProvider, parseDeployments } from './providers/azure-openai.js';
import { LMStudioProvider } from './providers/lmstudio.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof AiSettingsError) return error.problems;
    throw error;
  }
  assert.fail('expected AiSettingsError');
}

describe('AI settings', () => {
  it('defaults to no provider and the priority strategy', () => {
    assert.deepEqual(resolveAiSettings({}), { strategy: 'priority', providers: [] });
  });

  it('turns the simple settings into providers in default priority order', async () => {
    const settings = resolveAiSettings({
      lmstudio: { enabled: true, baseUrl: 'http://localhost:1234' },
      openai: { apiKey: 'sk-1' },
      anthropic: { apiKey: 'ant-1', models: ['claude-sonnet-4-5'] },
      'azure-openai': {
        endpoint: 'https://r.openai.azure.com',
        apiKey: 'az',
        deployments: 'gpt-4o=prod,gpt-4o-mini',
      },
      routingStrategy: 'round-robin',
    });
    assert.equal(settings.strategy, 'round-robin');
    assert.deepEqual(
      settings.providers.map((p) => [p.name, p.type, p.priority]),
      [
        ['lmstudio', 'lmstudio', 0],
        ['openai', 'openai', 1],
        ['anthropic', 'anthropic', 2],
        ['azure-openai', 'azure-openai', 3],
      ],
    );
    assert.deepEqual(settings.providers[3]?.deployments, { 'gpt-4o': 'prod', 'gpt-4o-mini': 'gpt-4o-mini' });
    const created = createProvidersFromSettings(settings);
    assert.ok(created[0]?.provider instanceof LMStudioProvider);
    assert.ok(created[3]?.provider instanceof AzureOpenAIProvider);
    assert.deepEqual(created[3]?.options.models, ['gpt-4o', 'gpt-4o-mini']);
    await Promise.all(created.map(({ provider }) => provider.close?.()));
  });

  it('reads a YAML providers file with several deployments', () => {
    const text = `
strategy: fastest
providers:
  - name: vllm-a
    type: openai-compatible
    baseUrl: http://10.0.0.5:8000/v1
    priority: 5
    weight: 3
    models: [llama-3.1-70b]
    aliases: { default: llama-3.1-70b }
    timeouts: { connectMs: 2000, idleMs: 30000 }
    maxConcurrency: 4096
  - name: openai-backup
    type: openai
    apiKeyEnv: BACKUP_KEY
`;
    const settings = resolveAiSettings({ providersFile: { text }, env: { BACKUP_KEY: 'sk-b' } });
    assert.equal(settings.strategy, 'fastest');
    const [vllm, backup] = settings.providers;
    assert.deepEqual(
      [vllm?.priority, vllm?.weight, vllm?.models, vllm?.aliases, vllm?.timeouts],
      [5, 3, ['llama-3.1-70b'], { default: 'llama-3.1-70b' }, { connectMs: 2000, idleMs: 30000 }],
    );
    assert.deepEqual([backup?.apiKey, backup?.priority], ['sk-b', 1]);
    assert.deepEqual([vllm?.maxConcurrency, backup?.maxConcurrency], [4096, undefined]);
  });

  it('reads the same file as JSON', () => {
    const text = JSON.stringify([{ name: 'local', type: 'lmstudio', baseUrl: 'http://127.0.0.1:1234' }]);
    assert.equal(resolveAiSettings({ providersFile: { text } }).providers[0]?.name, 'local');
  });

  it('lists every problem at once', () => {
    const text = `
providers:
  - name: openai
    type: openai
  - type: gpt
    baseUrl: not a url
    weight: 0
    modles: [x]
    timeouts: { connectMs: -1, readMs: 5 }
    maxConcurrency: 0.5
  - name: az
    type: azure-openai
    apiKey: k
  - name: env-key
    type: anthropic
    apiKeyEnv: MISSING_KEY
`;
    const problems = problemsOf(() =>
      resolveAiSettings({
        openai: { enabled: true },
        'azure-openai': { endpoint: 'https://r.openai.azure.com' },
        routingStrategy: 'random',
        providersFile: { text, source: 'providers.yaml' },
      }),
    );
    const expected = [
      'OpenAI is enabled but has no API key',
      'Azure OpenAI is partly configured: it needs an API key, deployments',
      'providers.yaml: providers[0].apiKey is required',
      'providers.yaml: providers[1].modles is not a known setting',
      'providers.yaml: providers[1].name is required',
      'providers.yaml: providers[1].type must be one of openai, openai-compatible, lmstudio, azure-openai, anthropic',
      'providers.yaml: providers[1].baseUrl "not a url" is not an http(s) URL',
      'providers.yaml: providers[1].timeouts.connectMs must be milliseconds ≥ 1',
      'providers.yaml: providers[1].timeouts.readMs is not one of connectMs, headersMs, idleMs, totalMs',
      'providers.yaml: providers[1].weight must be above 0',
      'providers.yaml: providers[1].maxConcurrency must be a number ≥ 1',
      'providers.yaml: providers[2].endpoint is required for azure-openai',
      'providers.yaml: providers[2].deployments must map at least one model to a deployment',
      'providers.yaml: providers[3].apiKeyEnv names MISSING_KEY, which is not set',
      'AI provider "openai" is defined twice',
      'routing strategy "random" is invalid: expected one of priority, round-robin, least-loaded, fastest',
    ];
    assert.deepEqual(problems, expected);
  });

  it('reports a file that is not JSON or YAML, or not a list', () => {
    assert.match(
      problemsOf(() => resolveAiSettings({ providersFile: { text: 'a: [b' } }))[0]!,
      /not valid JSON or YAML/,
    );
    assert.match(
      problemsOf(() => resolveAiSettings({ providersFile: { text: 'a: 1' } }))[0]!,
      /"providers" list/,
    );
  });

  it('parses Azure deployment lists', () => {
    assert.deepEqual(parseDeployments(' gpt-4o = prod , mini ,'), { 'gpt-4o': 'prod', mini: 'mini' });
  });
});
