import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { bearer } from '../helpers/keys.js';
import { aiKey, buildAiApp, chatBody, providerOfKind, twoProviders } from './ai-http-fixtures.js';

describe('AI endpoints: errors', () => {
  it('no provider configured → 503 AI_UNAVAILABLE on chat, JSON and stream', async (t) => {
    const app = await buildAiApp(t, {});
    const key = await aiKey(app);
    for (const [url, payload] of [
      ['/ai/chat', chatBody],
      ['/ai/chat', { ...chatBody, stream: true }],
      ['/v1/chat/completions', { ...chatBody, stream: true }],
    ] as const) {
      const response = await app.inject({ method: 'POST', url, headers: bearer(key), payload });
      assertErrorEnvelope(response, 503, 'AI_UNAVAILABLE');
    }
    const models = await app.inject({ url: '/v1/models', headers: bearer(key) });
    assert.deepEqual(models.json(), { object: 'list', data: [] });
  });

  it('a model no provider serves → 400 listing the available models', async (t) => {
    const { settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings);
    const response = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: bearer(await aiKey(app)),
      payload: { ...chatBody, model: 'gpt-9' },
    });
    const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
    assert.deepEqual((error.details as { available_models: string[] }).available_models, [
      'gpt-4o-mini',
      'gpt-4o',
    ]);
  });

  it('refuses fields outside the schema, naming them, and invalid values', async (t) => {
    const { server, settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings);
    const key = await aiKey(app);
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: bearer(key),
      payload: { ...chatBody, logit_bias: { 50256: -100 } },
    });
    const error = assertErrorEnvelope(unknown, 400, 'INVALID_REQUEST');
    assert.deepEqual((error.details as { fields: unknown[] }).fields, [
      { field: 'logit_bias', message: 'is not an accepted field' },
    ]);
    for (const payload of [
      { messages: [] },
      { ...chatBody, temperature: 3 },
      { messages: [{ role: 'wizard', content: 'hi' }] },
      { ...chatBody, max_tokens: 0 },
    ]) {
      const response = await app.inject({ method: 'POST', url: '/ai/chat', headers: bearer(key), payload });
      assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
    }
    assert.equal(server.requests.filter((request) => request.method === 'POST').length, 0);
  });

  it('forwards only validated message fields (an SDK may append a previous answer as is)', async (t) => {
    const { server, settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: bearer(await aiKey(app)),
      payload: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!', refusal: null, annotations: [] },
          { role: 'user', content: 'Explain semver' },
        ],
        temperature: null,
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const sent = server.requests.at(-1)?.body as { messages: unknown[]; temperature?: unknown };
    assert.deepEqual(sent.messages[1], { role: 'assistant', content: 'Hello!' });
    assert.equal('temperature' in sent, false, 'null means unset');
  });

  it('an invalid upstream answer → 502 AI_PROVIDER_ERROR, never passed on (and no failover)', async (t) => {
    const { a, b, settings } = await twoProviders(t);
    const app = await buildAiApp(t, settings);
    const key = await aiKey(app);
    a.script({ kind: 'invalid-json' });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: bearer(key),
      payload: chatBody,
    });
    const error = assertErrorEnvelope(response, 502, 'AI_PROVIDER_ERROR');
    assert.doesNotMatch(response.body, /chatcmpl-fake123/);
    assert.deepEqual((error.details as { attempts: unknown[] }).attempts, [
      { provider: 'a', kind: 'invalid_response' },
    ]);
    assert.equal(b.requests.filter((request) => request.method === 'POST').length, 0);
  });

  it('a request body over AI_BODY_LIMIT → 413', async (t) => {
    const { settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings, { ai: { bodyLimitBytes: 2048 } });
    const response = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: bearer(await aiKey(app)),
      payload: { messages: [{ role: 'user', content: 'x'.repeat(4096) }] },
    });
    assertErrorEnvelope(response, 413, 'PAYLOAD_TOO_LARGE');
  });
});
