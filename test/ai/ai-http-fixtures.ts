/**
 * HTTP-level AI test fixtures: a gateway configured with providers over the fake upstreams (through
 * `buildTestApp`'s config, as an operator would configure it), AI keys, token statistics, and a
 * parser for server-sent events.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { AiConfig } from '../../src/ai/ai-config.js';
import { type AiSettingsInput, resolveAiSettings } from '../../src/ai/ai-settings.js';
import type { Config } from '../../src/app-config.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import { startFakeAnthropic } from '../helpers/fakes/fake-anthropic.js';
import { startFakeAzureOpenAI } from '../helpers/fakes/fake-azure-openai.js';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import type { FakeServer } from '../helpers/fakes/fake-server.js';
import { adminAuth, createKey } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';

export const ANTHROPIC_KEY = 'sk-ant-fake';
export const AZURE_KEY = 'azure-fake-key';
export const OPENAI_KEY = 'sk-fake';

/** Short upstream timeouts so that hanging fakes fail over quickly. */
const TEST_TIMEOUTS = { connectMs: 1_000, headersMs: 1_500, idleMs: 1_500, totalMs: 10_000 };

export interface AiAppOptions {
  ai?: Partial<Omit<AiConfig, 'settings'>>;
  config?: Partial<Config>;
}

/** A gateway whose AI providers come from `settings`, after its first health checks finished. */
export async function buildAiTestApp(
  t: Pick<TestContext, 'after'>,
  settings: AiSettingsInput,
  options: AiAppOptions = {},
): Promise<TestApp> {
  const defaults = testConfig().ai;
  const ai: AiConfig = {
    ...defaults,
    timeouts: TEST_TIMEOUTS,
    ...options.ai,
    settings: resolveAiSettings(settings),
  };
  const testApp = await buildTestApp(t, { config: { ai, ...options.config } });
  // The startup probe also discovers the models of providers configured without a list.
  await testApp.app.gateway.ai.router.runHealthChecks();
  return testApp;
}

export async function buildAiApp(
  t: Pick<TestContext, 'after'>,
  settings: AiSettingsInput,
  options: AiAppOptions = {},
): Promise<FastifyInstance> {
  return (await buildAiTestApp(t, settings, options)).app;
}

export async function fake<T extends FakeServer>(t: Pick<TestContext, 'after'>, started: Promise<T>) {
  const server = await started;
  t.after(() => server.close());
  return server;
}

export type ProviderKind = 'openai' | 'lmstudio' | 'azure' | 'anthropic';

/** One provider of each kind over its fake, as the per-vendor variables configure it. */
export async function providerOfKind(t: Pick<TestContext, 'after'>, kind: ProviderKind) {
  switch (kind) {
    case 'openai': {
      const server = await fake(t, startFakeOpenAI({ apiKey: OPENAI_KEY }));
      return {
        server,
        model: 'gpt-4o-mini',
        settings: { openai: { apiKey: OPENAI_KEY, baseUrl: `${server.url}/v1` } },
      };
    }
    case 'lmstudio': {
      const server = await fake(t, startFakeOpenAI({ models: ['llama-3.1-8b-instruct'] }));
      return {
        server,
        model: 'llama-3.1-8b-instruct',
        settings: { lmstudio: { enabled: true, baseUrl: server.url } },
      };
    }
    case 'azure': {
      const server = await fake(
        t,
        startFakeAzureOpenAI({ apiKey: AZURE_KEY, deployments: { 'prod-gpt4o': 'gpt-4o' } }),
      );
      const azure = { endpoint: server.url, apiKey: AZURE_KEY, deployments: 'gpt-4o=prod-gpt4o' };
      return { server, model: 'gpt-4o', settings: { 'azure-openai': azure } };
    }
    case 'anthropic': {
      const server = await fake(t, startFakeAnthropic({ apiKey: ANTHROPIC_KEY }));
      const anthropic = { apiKey: ANTHROPIC_KEY, baseUrl: server.url, models: ['claude-sonnet-4-5'] };
      return { server, model: 'claude-sonnet-4-5', settings: { anthropic } };
    }
  }
}

/** Two OpenAI-compatible providers `a` (tried first) and `b` serving the same model. */
export async function twoProviders(t: Pick<TestContext, 'after'>) {
  const a = await fake(t, startFakeOpenAI({ reply: 'Answer from a.' }));
  const b = await fake(t, startFakeOpenAI({ reply: 'Answer from b.' }));
  const entry = (name: string, server: FakeServer, priority: number) => ({
    name,
    type: 'openai-compatible',
    baseUrl: `${server.url}/v1`,
    priority,
    models: ['gpt-4o-mini'],
  });
  const text = JSON.stringify({ providers: [entry('a', a, 1), entry('b', b, 2)] });
  return { a, b, settings: { providersFile: { text, source: 'test providers' } } };
}

export function aiKey(app: FastifyInstance, name = 'AI App'): Promise<string> {
  return createKey(app, { name, permissions: { canUseAI: true } });
}

/** The key's all-time token counters from `GET /admin/keys/stats`. */
export async function tokensOf(app: FastifyInstance, name = 'AI App') {
  const response = await app.inject({ url: '/admin/keys/stats', headers: adminAuth });
  assert.equal(response.statusCode, 200, response.body);
  const key = response.json().keys.find((entry: { name: string }) => entry.name === name);
  assert.ok(key, `key ${name} is in the statistics`);
  return { prompt: key.totals.promptTokens as number, completion: key.totals.completionTokens as number };
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits a complete `text/event-stream` body into events. */
export function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

export const chatBody = { messages: [{ role: 'user', content: 'Explain semantic versioning' }] };
