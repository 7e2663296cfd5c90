import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadConfig } from '../../src/app-config.js';
import { ConfigError } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

function tempFile(t: TestContext, name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-ai-config-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('AI configuration', () => {
  it('has no providers and safe limits by default', () => {
    const { ai } = loadConfig({});
    assert.deepEqual(ai.settings, { strategy: 'priority', providers: [] });
    assert.equal(ai.maxTokensCap, 4096);
    assert.equal(ai.bodyLimitBytes, 4 * 1024 * 1024);
    assert.equal(ai.timeouts.connectMs, 10_000);
    assert.equal(ai.healthCheckIntervalMs, 30_000);
  });

  it('builds providers from the per-vendor variables', () => {
    const config = loadConfig({
      LMSTUDIO_ENABLED: 'true',
      LMSTUDIO_BASE_URL: 'http://gpu-box:1234',
      OPENAI_API_KEY: 'sk-test',
      ANTHROPIC_API_KEY: 'sk-ant-test',
      AZURE_OPENAI_ENDPOINT: 'https://studio.openai.azure.com',
      AZURE_OPENAI_API_KEY: 'azure-key',
      AZURE_OPENAI_API_VERSION: '2024-10-21',
      AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o=prod-gpt4o,gpt-4o-mini',
      AI_ROUTING_STRATEGY: 'least-loaded',
      AI_MAX_TOKENS_CAP: '1000',
      AI_BODY_LIMIT: '2mb',
      AI_HEADERS_TIMEOUT_MS: '30000',
    });
    const { settings } = config.ai;
    assert.equal(settings.strategy, 'least-loaded');
    assert.deepEqual(
      settings.providers.map((provider) => [provider.name, provider.type, provider.priority]),
      [
        ['lmstudio', 'lmstudio', 0],
        ['openai', 'openai', 1],
        ['anthropic', 'anthropic', 2],
        ['azure-openai', 'azure-openai', 3],
      ],
    );
    const azure = settings.providers[3]!;
    assert.deepEqual(azure.deployments, { 'gpt-4o': 'prod-gpt4o', 'gpt-4o-mini': 'gpt-4o-mini' });
    assert.equal(azure.apiVersion, '2024-10-21');
    assert.equal(config.ai.maxTokensCap, 1000);
    assert.equal(config.ai.bodyLimitBytes, 2 * 1024 * 1024);
    assert.equal(config.ai.timeouts.headersMs, 30_000);
  });

  it('ANTHROPIC_ENABLED=false keeps a configured key unused', () => {
    const config = loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_ENABLED: 'false' });
    assert.deepEqual(config.ai.settings.providers, []);
  });

  it('reads AI_PROVIDERS_FILE (YAML) at startup, with keys from other variables', (t) => {
    const file = tempFile(
      t,
      'providers.yaml',
      [
        'strategy: round-robin',
        'providers:',
        '  - name: vllm-a',
        '    type: openai-compatible',
        '    baseUrl: http://10.0.0.5:8000/v1',
        '    models: [llama-3.1-70b]',
        '    weight: 2',
        '    timeouts: { headersMs: 5000 }',
        '  - name: openai-eu',
        '    type: openai',
        '    apiKeyEnv: OPENAI_EU_KEY',
      ].join('\n'),
    );
    const { settings } = loadConfig({ AI_PROVIDERS_FILE: file, OPENAI_EU_KEY: 'sk-eu' }).ai;
    assert.equal(settings.strategy, 'round-robin');
    assert.deepEqual(
      settings.providers.map((provider) => provider.name),
      ['vllm-a', 'openai-eu'],
    );
    assert.equal(settings.providers[0]?.weight, 2);
    assert.deepEqual(settings.providers[0]?.timeouts, { headersMs: 5000 });
    assert.equal(settings.providers[1]?.apiKey, 'sk-eu');
  });

  it('lists every AI problem at once: unreadable or invalid file, strategy, keys, limits', (t) => {
    const missing = problemsOf({ AI_PROVIDERS_FILE: '/nonexistent/providers.json' });
    assert.equal(missing.length, 1);
    assert.match(missing[0]!, /AI_PROVIDERS_FILE="\/nonexistent\/providers.json" cannot be read/);

    const invalid = tempFile(
      t,
      'providers.json',
      '{"providers": [{"name": "x", "type": "nope", "colour": 1}]}',
    );
    const problems = problemsOf({
      AI_PROVIDERS_FILE: invalid,
      AI_ROUTING_STRATEGY: 'random',
      ANTHROPIC_ENABLED: 'true',
      AZURE_OPENAI_ENDPOINT: 'https://studio.openai.azure.com',
      AI_MAX_TOKENS_CAP: '0',
      AI_BODY_LIMIT: 'lots',
      AI_IDLE_TIMEOUT_MS: '-5',
    });
    for (const pattern of [
      /AI_ROUTING_STRATEGY="random" is invalid/,
      /ANTHROPIC_ENABLED=true needs ANTHROPIC_API_KEY/,
      /Azure OpenAI is partly configured: it needs an API key, deployments/,
      /providers\[0\]\.type must be one of/,
      /providers\[0\]\.colour is not a known setting/,
      /AI_MAX_TOKENS_CAP="0" is invalid/,
      /AI_BODY_LIMIT="lots" is invalid/,
      /AI_IDLE_TIMEOUT_MS="-5" is invalid/,
    ]) {
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `${pattern} in:\n${problems.join('\n')}`,
      );
    }
  });
});
