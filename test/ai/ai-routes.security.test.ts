import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { bearer, createKey } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import {
  aiKey,
  buildAiApp,
  buildAiTestApp,
  chatBody,
  OPENAI_KEY,
  providerOfKind,
  twoProviders,
} from './ai-http-fixtures.js';

const guarded = [
  ['POST', '/ai/chat', chatBody],
  ['POST', '/ai/analyze-changelog', { version: '1.0.0', changelog: '- Fixed a bug' }],
  ['POST', '/v1/chat/completions', chatBody],
  ['GET', '/v1/models', undefined],
] as const;

describe('AI endpoints: security', () => {
  it('every AI route but /ai/status needs a key (401) holding canUseAI (403)', async (t) => {
    const { server, settings } = await providerOfKind(t, 'openai');
    const app = await buildAiApp(t, settings);
    const reader = await createKey(app, { name: 'Reader', permissions: { canReadProjects: true } });
    for (const [method, url, payload] of guarded) {
      const anonymous = await app.inject({ method, url, payload });
      assertErrorEnvelope(anonymous, 401, 'UNAUTHORIZED');
      const forbidden = await app.inject({ method, url, payload, headers: bearer(reader) });
      const error = assertErrorEnvelope(forbidden, 403, 'FORBIDDEN');
      assert.equal((error.details as { permission: string }).permission, 'canUseAI', url);
    }
    assert.equal(server.requests.filter((request) => request.method === 'POST').length, 0);
    assert.equal((await app.inject({ url: '/ai/status' })).statusCode, 200);
  });

  it('the ai rate group limits AI calls per key (429 with Retry-After)', async (t) => {
    const { settings } = await providerOfKind(t, 'openai');
    const defaults = testConfig().rateLimits;
    const app = await buildAiApp(t, settings, {
      config: { rateLimits: { ...defaults, ai: { max: 2, windowMs: 3_600_000 } } },
    });
    const key = await aiKey(app);
    const chat = () =>
      app.inject({ method: 'POST', url: '/ai/chat', headers: bearer(key), payload: chatBody });
    assert.equal((await chat()).statusCode, 200);
    const second = await chat();
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers['x-ratelimit-limit'], '2');
    const limited = await chat();
    assertErrorEnvelope(limited, 429, 'RATE_LIMIT_EXCEEDED');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
    const openai = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: bearer(key),
      payload: chatBody,
    });
    assertErrorEnvelope(openai, 429, 'RATE_LIMIT_EXCEEDED');
    // Listing models spends no provider tokens: it is not counted against the AI budget.
    assert.equal((await app.inject({ url: '/v1/models', headers: bearer(key) })).statusCode, 200);
  });

  it('/ai/status and logs never reveal provider keys, URLs or upstream messages', async (t) => {
    const { a, settings } = await twoProviders(t);
    const openai = await providerOfKind(t, 'openai');
    const { app, rawLogs } = await buildAiTestApp(t, { ...settings, ...openai.settings });
    openai.server.script({ kind: 'status', status: 500, message: 'db at 10.1.2.3 is down' });
    const key = await aiKey(app);
    const answer = await app.inject({
      method: 'POST',
      url: '/ai/chat',
      headers: bearer(key),
      payload: chatBody,
    });
    assert.equal(answer.json().provider, 'a', 'failed over from openai');
    const status = await app.inject({ url: '/ai/status' });
    const failing = status.json().providers.find((provider: { name: string }) => provider.name === 'openai');
    assert.deepEqual(Object.keys(failing.last_error).sort(), ['at', 'kind']);
    for (const secret of [OPENAI_KEY, a.url, openai.server.url, '10.1.2.3']) {
      assert.equal(status.body.includes(secret), false, `status shows ${secret}`);
    }
    assert.equal(rawLogs().includes(OPENAI_KEY), false);
    const chatRequest = openai.server.requests.find((request) => request.method === 'POST');
    assert.equal(
      chatRequest?.headers.authorization,
      `Bearer ${OPENAI_KEY}`,
      'the provider key goes upstream',
    );
    const upstreamHeaders = JSON.stringify([...a.requests, ...openai.server.requests].map((r) => r.headers));
    assert.equal(upstreamHeaders.includes(key), false, 'the gateway key never goes upstream');
  });
});
