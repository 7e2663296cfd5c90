import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertSecurityHeaders } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';

describe('route declaration contract', () => {
  it('every registered route declares auth, permission where needed, and a rate-limit group', async (t) => {
    const { app } = await buildTestApp(t);
    const routes = app.gateway.routes;
    assert.ok(routes.length >= 8, 'the inventory lists the registered routes');
    for (const route of routes) {
      assert.ok(
        ['public', 'key', 'admin', 'session'].includes(route.auth),
        `${route.method} ${route.url} auth`,
      );
      assert.ok(route.rateGroup, `${route.method} ${route.url} rateGroup`);
      if (route.auth === 'key') assert.ok(route.permission, `${route.method} ${route.url} permission`);
    }
    // Only the console's own session routes take nothing but a session cookie.
    const sessionOnly = routes.filter((r) => r.auth === 'session').map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(sessionOnly.sort(), [
      'DELETE /console/session',
      'GET /console/session',
      'HEAD /console/session',
    ]);
    const exempt = routes.filter((r) => r.rateGroup === 'exempt').map((r) => r.url);
    assert.deepEqual([...new Set(exempt)].sort(), ['/health', '/ready']);
    assert.ok(
      routes.some((r) => r.method === 'OPTIONS' && r.url === '*' && r.auth === 'public'),
      'CORS preflight is declared',
    );
  });

  it('refuses to start when a route lacks a declaration', async (t) => {
    const undeclared = async (app: FastifyInstance) => {
      app.get('/test/undeclared', async () => ({ ok: true }));
    };
    await assert.rejects(
      buildTestApp(t, { overrides: { extraRoutes: undeclared } }),
      /Route declaration incomplete: GET \/test\/undeclared declares no auth mode/,
    );
  });

  it('refuses a key route without a permission', async (t) => {
    const noPermission = async (app: FastifyInstance) => {
      app.get('/test/keyed', { config: { auth: 'key', rateGroup: 'key' } }, async () => ({ ok: true }));
    };
    await assert.rejects(
      buildTestApp(t, { overrides: { extraRoutes: noPermission } }),
      /uses auth 'key' but declares no permission/,
    );
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin without a key', async (t) => {
    const { app } = await buildTestApp(t);
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/projects',
      headers: { origin: 'https://docs.lunarbit.dev', 'access-control-request-method': 'GET' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], 'https://docs.lunarbit.dev');
    assert.match(String(response.headers['access-control-allow-headers']), /Authorization/);
    assertSecurityHeaders(response);
  });

  it('gives no CORS grant to an origin that is not configured', async (t) => {
    const { app } = await buildTestApp(t);
    const response = await app.inject({
      url: '/health',
      headers: { origin: 'https://evil.example.net' },
    });
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });

  it('allows nothing by default in production', async (t) => {
    const { app } = await buildTestApp(t, { config: { nodeEnv: 'production', corsOrigins: [] } });
    const response = await app.inject({ url: '/health', headers: { origin: 'http://localhost:5173' } });
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });
});

describe('request logging', () => {
  it('writes one structured line per request and never the credentials', async (t) => {
    const { app, logLines, rawLogs } = await buildTestApp(t);
    const response = await app.inject({
      url: '/health?client_id=abc',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        'x-api-key': TEST_ADMIN_KEY,
        cookie: 'session=s3cret',
      },
    });
    const lines = logLines().filter((line) => line.requestId === response.headers['x-request-id']);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.method, 'GET');
    assert.equal(line?.route, '/health');
    assert.equal(line?.status, 200);
    assert.equal(typeof line?.durationMs, 'number');
    assert.ok(!rawLogs().includes(TEST_ADMIN_KEY));
    assert.ok(!rawLogs().includes('s3cret'));
  });

  it('redacts secret-named fields and credential headers if they are ever logged', async (t) => {
    const { app, rawLogs } = await buildTestApp(t);
    app.log.info(
      {
        headers: { authorization: 'Bearer lbapi_leak', 'x-api-key': 'lbapi_leak2' },
        body: { apiKey: 'leak3', token: 'leak4' },
      },
      'diagnostic',
    );
    assert.match(rawLogs(), /diagnostic/);
    assert.doesNotMatch(rawLogs(), /lbapi_leak|leak3|leak4/);
  });
});
