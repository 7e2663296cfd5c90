import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { RateLimitsConfig } from '../../src/config.js';
import { createManualClock } from '../../src/infra/clock.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';

const MINUTE = 60_000;

function limits(overrides: Partial<RateLimitsConfig>): RateLimitsConfig {
  return { ...testConfig().rateLimits, ...overrides };
}

function assertRateHeaders(response: LightMyRequestResponse, limit: number, remaining: number) {
  assert.equal(response.headers['x-ratelimit-limit'], String(limit));
  assert.equal(response.headers['x-ratelimit-remaining'], String(remaining));
  assert.match(String(response.headers['x-ratelimit-reset']), /^\d{10}$/);
  assert.match(String(response.headers['ratelimit-policy']), /"\w[\w-]*";q=\d+;w=\d+/);
  assert.match(String(response.headers.ratelimit), new RegExp(`";r=${remaining};t=\\d+$`));
}

describe('rate limits over HTTP (memory store, injected clock)', () => {
  it('exactly N requests pass, the next gets 429 with headers and Retry-After, and the window slides', async (t) => {
    const clock = createManualClock(Date.UTC(2026, 1, 7, 12, 0, 0));
    const { app } = await buildTestApp(t, {
      config: { rateLimits: limits({ ip: { max: 5, windowMs: MINUTE } }) },
      overrides: { clock },
    });
    for (let i = 1; i <= 5; i++) {
      const response = await app.inject({ url: '/docs/errors', headers: { accept: 'application/json' } });
      assert.equal(response.statusCode, 200, `request ${i}`);
      assertRateHeaders(response, 5, 5 - i);
    }
    const rejected = await app.inject({ url: '/docs/errors' });
    const error = assertErrorEnvelope(rejected, 429, 'RATE_LIMIT_EXCEEDED');
    // All five came at the very start of a window, so they weigh 5 × (60 − e)/60 into the next
    // one: one more request fits once that falls to 4, 12 s into the next window (72 s from now).
    assert.deepEqual(error.details, { policy: 'ip', limit: 5, window_seconds: 60, retry_after_seconds: 72 });
    assert.equal(rejected.headers['retry-after'], '72');
    assertRateHeaders(rejected, 5, 0);
    assert.equal(Number(rejected.headers['x-ratelimit-reset']), Date.UTC(2026, 1, 7, 12, 1, 12) / 1000);

    clock.advance(59_999);
    assert.equal((await app.inject({ url: '/docs/errors' })).statusCode, 429, 'still in the same window');
    clock.advance(12_000);
    assert.equal((await app.inject({ url: '/docs/errors' })).statusCode, 429, '1 ms before the reset');
    clock.advance(1);
    assert.equal((await app.inject({ url: '/docs/errors' })).statusCode, 200, 'at the announced reset');
    assert.equal(
      (await app.inject({ url: '/docs/errors' })).statusCode,
      429,
      'one at a time as the window slides',
    );
    clock.advance(12_000);
    assert.equal((await app.inject({ url: '/docs/errors' })).statusCode, 200);
    clock.advance(2 * MINUTE);
    for (let i = 0; i < 5; i++) assert.equal((await app.inject({ url: '/docs/errors' })).statusCode, 200);
  });

  it('/health and /ready are exempt', async (t) => {
    const { app } = await buildTestApp(t, {
      config: { rateLimits: limits({ ip: { max: 1, windowMs: MINUTE } }) },
    });
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ url: i % 2 ? '/health' : '/ready' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['x-ratelimit-limit'], undefined);
    }
  });

  it('a key created with rateLimit 5 gets 429 on its 6th request while another key is unaffected', async (t) => {
    const { app } = await buildTestApp(t, { overrides: { extraRoutes: permissionProbeRoutes } });
    const limited = await createKey(app, {
      name: 'limited',
      permissions: { canReadProjects: true },
      rateLimit: 5,
    });
    const other = await createKey(app, { name: 'other', permissions: { canReadProjects: true } });
    for (let i = 1; i <= 5; i++) {
      const response = await app.inject({ url: '/test/read-projects', headers: bearer(limited) });
      assert.equal(response.statusCode, 200);
      assertRateHeaders(response, 5, 5 - i);
    }
    const sixth = await app.inject({ url: '/test/read-projects', headers: bearer(limited) });
    assertErrorEnvelope(sixth, 429, 'RATE_LIMIT_EXCEEDED');
    assert.equal(sixth.json().error.details.policy, 'key');
    assert.ok(Number(sixth.headers['retry-after']) > 0);
    const unaffected = await app.inject({ url: '/test/read-projects', headers: bearer(other) });
    assert.equal(unaffected.statusCode, 200);
    assert.match(String(unaffected.headers['ratelimit-policy']), /"key";q=1000;w=900/);
  });

  it('the 61st unauthenticated request from one IP in an hour gets 429; another IP is unaffected', async (t) => {
    const clock = createManualClock();
    const { app } = await buildTestApp(t, { overrides: { clock, extraRoutes: permissionProbeRoutes } });
    const from = (remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({ url: '/test/read-projects', remoteAddress, headers });
    for (let i = 1; i <= 60; i++) {
      const response = await from('203.0.113.7', i % 2 ? {} : bearer(`lbapi_${'0'.repeat(32)}000000`));
      assert.equal(response.statusCode, 401, `attempt ${i}`);
      clock.advance(1_000);
    }
    const blocked = await from('203.0.113.7');
    assertErrorEnvelope(blocked, 429, 'RATE_LIMIT_EXCEEDED');
    assert.equal(blocked.json().error.details.policy, 'unauthenticated');
    assert.equal((await from('198.51.100.1')).statusCode, 401, 'another IP still gets a plain 401');

    const key = await createKey(app, { name: 'valid', permissions: { canReadProjects: true } });
    assert.equal((await from('198.51.100.1', bearer(key))).statusCode, 200, 'the key works elsewhere');
  });

  it('once the budget is spent, the right key gets the same 429 as wrong ones until the budget allows one more', async (t) => {
    const clock = createManualClock(Date.UTC(2026, 1, 7, 12, 0, 0));
    const { app } = await buildTestApp(t, {
      config: { rateLimits: limits({ unauthenticated: { max: 3, windowMs: MINUTE } }) },
      overrides: { clock, extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(app, { name: 'valid', permissions: { canReadProjects: true } });
    const guessFrom = (credential: string, remoteAddress = '203.0.113.7') =>
      app.inject({ url: '/test/read-projects', remoteAddress, headers: bearer(credential) });
    const wrong = `lbapi_${'0'.repeat(32)}000000`;
    for (let i = 1; i <= 3; i++) assert.equal((await guessFrom(wrong)).statusCode, 401, `guess ${i}`);

    const forKey = await guessFrom(key);
    const forWrong = await guessFrom(wrong);
    const forAdmin = await app.inject({
      url: '/admin/keys',
      remoteAddress: '203.0.113.7',
      headers: adminAuth,
    });
    for (const response of [forKey, forWrong, forAdmin]) {
      assertErrorEnvelope(response, 429, 'RATE_LIMIT_EXCEEDED');
      assert.equal(response.json().error.details.policy, 'unauthenticated');
    }
    assert.deepEqual(forKey.json().error.details, forWrong.json().error.details, 'nothing tells them apart');
    assert.equal(forKey.headers['retry-after'], forWrong.headers['retry-after']);
    assert.equal((await guessFrom(key, '198.51.100.1')).statusCode, 200, 'another IP is not locked out');

    clock.advance(Number(forKey.headers['retry-after']) * 1000);
    const after = await guessFrom(key);
    assert.equal(after.statusCode, 200, `the lockout ends when the budget allows one more: ${after.body}`);
  });

  it('wrong metrics tokens spend the unauthenticated budget like wrong keys', async (t) => {
    const { app } = await buildTestApp(t, {
      config: {
        metricsToken: 'scrape-token',
        rateLimits: limits({ unauthenticated: { max: 2, windowMs: MINUTE } }),
      },
    });
    const scrape = (token: string) =>
      app.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers: bearer(token) });
    assert.equal((await scrape('scrape-token')).statusCode, 200);
    assert.equal((await scrape('wrong-1')).statusCode, 401);
    assert.equal((await scrape('wrong-2')).statusCode, 401);
    const locked = await scrape('scrape-token');
    assertErrorEnvelope(locked, 429, 'RATE_LIMIT_EXCEEDED');
    assert.equal(locked.json().error.details.policy, 'unauthenticated');
  });

  it('the most restrictive limit sets the headers, also on a 403', async (t) => {
    const { app } = await buildTestApp(t, {
      config: { rateLimits: limits({ ip: { max: 3, windowMs: MINUTE } }) },
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(app, { name: 'k', permissions: { canReadProjects: true } });
    const response = await app.inject({ url: '/test/use-ai', headers: bearer(key) });
    assert.equal(response.statusCode, 403);
    assertRateHeaders(response, 3, 1);
    assert.match(String(response.headers['ratelimit-policy']), /"ip";q=3;w=60, "key";q=1000;w=900/);
  });

  it('limits key creation and rotation per caller', async (t) => {
    const { app } = await buildTestApp(t, {
      config: { rateLimits: limits({ keyIssuance: { max: 2, windowMs: 60 * MINUTE } }) },
    });
    await createKey(app, { name: 'one' });
    await createKey(app, { name: 'two' });
    const third = await app.inject({
      method: 'POST',
      url: '/admin/keys',
      headers: adminAuth,
      payload: { name: 'three' },
    });
    assertErrorEnvelope(third, 429, 'RATE_LIMIT_EXCEEDED');
    assert.equal(third.json().error.details.policy, 'key-issuance');
    const rotate = await app.inject({ method: 'POST', url: '/admin/keys/one/rotate', headers: adminAuth });
    assert.equal(rotate.statusCode, 429);
    assert.equal(
      (await app.inject({ url: '/admin/keys', headers: adminAuth })).json().total,
      2,
      'nothing was created',
    );
  });

  it('uses X-Forwarded-For only when TRUST_PROXY is configured', async (t) => {
    const tight = limits({ ip: { max: 1, windowMs: MINUTE } });
    const direct = await buildTestApp(t, { config: { rateLimits: tight } });
    const forwarded = (app: typeof direct.app, client: string) =>
      app.inject({ url: '/docs/errors', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': client } });
    assert.equal((await forwarded(direct.app, '192.0.2.1')).statusCode, 200);
    assert.equal(
      (await forwarded(direct.app, '192.0.2.2')).statusCode,
      429,
      'spoofed header ignored: same socket IP',
    );

    const proxied = await buildTestApp(t, { config: { rateLimits: tight, trustProxy: ['10.0.0.0/8'] } });
    assert.equal((await forwarded(proxied.app, '192.0.2.1')).statusCode, 200);
    assert.equal(
      (await forwarded(proxied.app, '192.0.2.2')).statusCode,
      200,
      'each forwarded client has its own budget',
    );
    assert.equal((await forwarded(proxied.app, '192.0.2.1')).statusCode, 429);
  });
});
