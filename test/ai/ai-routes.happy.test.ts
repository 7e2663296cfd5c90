import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAKE_REPLY, FAKE_USAGE } from '../helpers/fakes/fake-openai.js';
import { replyDeltas } from '../helpers/fakes/fake-server.js';
import { adminAuth, bearer } from '../helpers/keys.js';
import {
  aiKey,
  buildAiApp,
  chatBody,
  parseSse,
  providerOfKind,
  tokensOf,
  twoProviders,
} from './ai-http-fixtures.js';

const total = FAKE_USAGE.prompt_tokens + FAKE_USAGE.completion_tokens;

describe('AI endpoints: reference shapes', () => {
  it('GET /ai/status is public and shows each provider with models and health', async (t) => {
    const { settings } = await twoProviders(t);
    const lmstudio = await providerOfKind(t, 'lmstudio');
    const app = await buildAiApp(t, { ...settings, ...lmstudio.settings });
    const response = await app.inject({ url: '/ai/status' });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.enabled, true);
    assert.equal(body.strategy, 'priority');
    const byName = Object.fromEntries(body.providers.map((p: { name: string }) => [p.name, p]));
    assert.deepEqual(Object.keys(byName).sort(), ['a', 'b', 'lmstudio']);
    assert.deepEqual(byName.lmstudio.models, ['llama-3.1-8b-instruct'], 'discovered by the health check');
    assert.equal(byName.a.available, true);
    assert.equal(byName.a.healthy, true);
    assert.match(byName.a.last_health_check_at, /^\d{4}-\d\d-\d\dT/);
    assert.equal(byName.a.last_error, null);
    assert.equal(byName.a.cooldown_until, null);
    assert.equal('message' in byName.a, false);
  });

  it('GET /ai/status without providers says enabled: false', async (t) => {
    const app = await buildAiApp(t, {});
    const response = await app.inject({ url: '/api/v2/ai/status' });
    assert.deepEqual(response.json(), { enabled: false, strategy: 'priority', providers: [] });
  });

  it('POST /ai/chat answers the reference shape, caps max_tokens and records the tokens', async (t) => {
    const { server, settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings, { ai: { maxTokensCap: 300 } });
    const key = await aiKey(app);
    const response = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: bearer(key),
      payload: { ...chatBody, temperature: 0.2, max_tokens: 500, model: 'gpt-4o-mini' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.response, FAKE_REPLY);
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(body.provider, 'openai');
    assert.equal(body.tokens_used, total);
    assert.equal(typeof body.processing_time_ms, 'number');
    assert.match(String(response.headers['x-gateway-overhead-ms']), /^\d+$/);
    const sent = server.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(sent.max_tokens, 300, 'capped by AI_MAX_TOKENS_CAP');
    assert.equal(sent.temperature, 0.2);
    assert.deepEqual(sent.messages, chatBody.messages);
    assert.deepEqual(await tokensOf(app), {
      prompt: FAKE_USAGE.prompt_tokens,
      completion: FAKE_USAGE.completion_tokens,
    });
    const metrics = (await app.inject({ url: '/metrics', headers: adminAuth })).body.split('\n');
    const line = (name: string, ...labels: string[]) =>
      metrics.find((entry) => entry.startsWith(name) && labels.every((label) => entry.includes(label)));
    assert.match(
      String(line('lunarbit_ai_provider_calls_total', 'provider="openai"', 'outcome="success"')),
      / 1$/,
    );
    assert.match(
      String(line('lunarbit_ai_tokens_total', 'provider="openai"', 'type="prompt"')),
      new RegExp(` ${FAKE_USAGE.prompt_tokens}$`),
    );
    assert.ok(
      line('lunarbit_ai_provider_duration_seconds_count', 'provider="openai"'),
      'latency is observed',
    );
  });

  it('POST /ai/chat with stream: true sends delta frames and one done frame', async (t) => {
    const { settings } = await providerOfKind(t, 'anthropic');
    const app = await buildAiApp(t, settings);
    const key = await aiKey(app);
    const response = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: bearer(key),
      payload: { ...chatBody, stream: true },
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    assert.match(String(response.headers['x-gateway-overhead-ms']), /^\d+$/);
    const events = parseSse(response.body);
    const deltas = events.filter((event) => event.event === 'delta');
    assert.deepEqual(
      deltas.map((event) => JSON.parse(event.data).content),
      replyDeltas(FAKE_REPLY),
    );
    const last = events.at(-1)!;
    assert.equal(last.event, 'done');
    assert.equal(events.filter((event) => event.event === 'done').length, 1);
    const done = JSON.parse(last.data);
    assert.equal(done.model, 'claude-sonnet-4-5');
    assert.equal(done.provider, 'anthropic');
    assert.equal(done.tokens_used, 33);
    assert.equal(typeof done.processing_time_ms, 'number');
    assert.deepEqual(await tokensOf(app), { prompt: 21, completion: 12 });
  });

  it('the admin key may chat and is not billed as a key', async (t) => {
    const { settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings);
    const response = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: adminAuth,
      payload: chatBody,
    });
    assert.equal(response.statusCode, 200, response.body);
    const stats = await app.inject({ url: '/admin/keys/stats', headers: adminAuth });
    assert.equal(stats.json().totals.promptTokens, 0);
  });

  it('a stream without include_usage gets no usage chunk; with it, the usage chunk is last before [DONE]', async (t) => {
    const { settings } = await providerOfKind(t, 'azure');
    const app = await buildAiApp(t, settings);
    const key = await aiKey(app);
    const request = (extra: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: bearer(key),
        payload: { model: 'gpt-4o', ...chatBody, stream: true, ...extra },
      });
    const plain = parseSse((await request({})).body);
    assert.equal(plain.at(-1)?.data, '[DONE]');
    const chunks = plain.slice(0, -1).map((event) => JSON.parse(event.data));
    assert.ok(chunks.every((chunk) => chunk.choices.length > 0 && !('usage' in chunk)));
    assert.ok(
      chunks.every((chunk) => chunk.prompt_filter_results === undefined),
      'Azure extras dropped',
    );

    const withUsage = parseSse((await request({ stream_options: { include_usage: true } })).body);
    assert.equal(withUsage.at(-1)?.data, '[DONE]');
    const usageChunk = JSON.parse(withUsage.at(-2)!.data);
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, { ...FAKE_USAGE, total_tokens: total });
    assert.deepEqual(await tokensOf(app), {
      prompt: FAKE_USAGE.prompt_tokens * 2,
      completion: FAKE_USAGE.completion_tokens * 2,
    });
  });

  it('usage is estimated (and marked) only when the provider reports none', async (t) => {
    const { server, settings } = await providerOfKind(t, 'lmstudio');
    const app = await buildAiApp(t, settings);
    const key = await aiKey(app);
    server.script({ kind: 'no-usage' });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: bearer(key),
      payload: { ...chatBody, stream: true, stream_options: { include_usage: true } },
    });
    const events = parseSse(response.body);
    const usage = JSON.parse(events.at(-2)!.data).usage;
    assert.equal(usage.estimated, true);
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.deepEqual(await tokensOf(app), {
      prompt: usage.prompt_tokens,
      completion: usage.completion_tokens,
    });
  });
});
