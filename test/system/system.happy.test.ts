import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { VERSION } from '../../src/version.js';
import { assertSecurityHeaders } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { databaseBackends, skipUnless } from '../helpers/services.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`system routes [${backend}]`, { skip }, () => {
    it('GET /health and /api/v2/health answer the reference shape with the package version', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const url of ['/health', '/api/v2/health']) {
        const response = await app.inject({ url });
        assert.equal(response.statusCode, 200);
        const body = response.json();
        assert.equal(body.status, 'healthy');
        assert.equal(body.version, VERSION);
        assert.equal(body.version, '2.0.0');
        assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.deepEqual(body.checks, { database: 'ok', database_writes: 'ok', artifact_writes: 'ok' });
        assertSecurityHeaders(response);
      }
    });

    it('GET /health reports degraded with 503 when the database is unreachable', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await app.gateway.database.close();
      const response = await app.inject({ url: '/health' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().status, 'degraded');
      assert.equal(response.json().checks.database, 'error');
      const ready = await app.inject({ url: '/ready' });
      assert.equal(ready.statusCode, 503);
    });

    it('GET /ready is 200 when serving and 503 once shutdown begins', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      assert.deepEqual((await app.inject({ url: '/ready' })).json(), { ready: true });
      app.gateway.beginShutdown();
      const response = await app.inject({ url: '/api/v2/ready' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().reason, 'shutting down');
    });

    it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const kept = await app.inject({ url: '/health', headers: { 'x-request-id': 'trace-1234-abcd' } });
      assert.equal(kept.headers['x-request-id'], 'trace-1234-abcd');
      const replaced = await app.inject({
        url: '/health',
        headers: { 'x-request-id': 'bad id\twith spaces' },
      });
      assert.match(String(replaced.headers['x-request-id']), /^req_[A-Za-z0-9_-]{16}$/);
    });
  });
}

describe('health with Redis', { skip: await skipUnless('redis') }, () => {
  it('reports the Redis check when REDIS_URL is configured', async (t) => {
    const { app } = await buildTestApp(t, { redis: true });
    const response = await app.inject({ url: '/health' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json().checks, {
      database: 'ok',
      redis: 'ok',
      database_writes: 'ok',
      artifact_writes: 'ok',
    });
  });
});

describe('response serializers', () => {
  it("are compiled on a route's first answer, and every response schema compiles", async (t) => {
    const { app } = await buildTestApp(t);
    const { serializers } = app.gateway;
    assert.equal(serializers.compiledCount(), 0, 'nothing is compiled at startup');
    const health = await app.inject({ url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'healthy');
    assert.equal(serializers.compiledCount(), 1, 'the answered route compiled its own serializer');
    const total = serializers.compileAll();
    assert.ok(total > 100, `every route's response schemas are known (${total})`);
    assert.equal(serializers.compiledCount(), total);
    // A serializer compiled ahead of use answers like one compiled on demand.
    const again = await app.inject({ url: '/health' });
    assert.deepEqual(Object.keys(again.json()), Object.keys(health.json()));
  });
});

describe('API documentation', () => {
  it('GET /openapi.json is a valid OpenAPI 3.1 document', async (t) => {
    const { app } = await buildTestApp(t);
    const response = await app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const document = response.json();
    assert.equal(document.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2));
    assert.equal(result.valid, true);
    assert.ok(document.paths['/health'].get.summary, 'routes carry descriptions');
    assert.equal(validator.version, '3.1');
    assert.equal((await app.inject({ url: '/api/v2/openapi.json' })).body, response.body);
  });

  it('GET /docs is HTML whose scripts and styles are all served by the gateway', async (t) => {
    const { app } = await buildTestApp(t);
    const response = await app.inject({ url: '/docs' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    const assets = [...response.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.ok(assets.length > 0, 'the page loads at least one script');
    for (const asset of assets) {
      assert.ok(asset.startsWith('/'), `${asset} is served by the gateway, not a CDN`);
      const fetched = await app.inject({ url: asset });
      assert.equal(fetched.statusCode, 200, asset);
      assert.ok(fetched.rawPayload.length > 100_000, `${asset} is the real bundle`);
    }
    assert.doesNotMatch(response.body, /https?:\/\//, 'no absolute URL to another host in the page');
    const dataUrl = /data-url="([^"]+)"/.exec(response.body)?.[1];
    assert.equal((await app.inject({ url: dataUrl! })).statusCode, 200);
  });

  it('GET /docs/errors lists every error code, as HTML anchors and as JSON', async (t) => {
    const { app } = await buildTestApp(t);
    const html = await app.inject({ url: '/docs/errors' });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /id="PROJECT_NOT_FOUND"/);
    assert.match(html.body, /LC_ERR_RATE_LIMIT_EXCEEDED/);
    const json = await app.inject({ url: '/docs/errors', headers: { accept: 'application/json' } });
    const codes = json.json().errors.map((e: { code: string }) => e.code);
    for (const code of [
      'INVALID_REQUEST',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'RATE_LIMIT_EXCEEDED',
      'INTERNAL_ERROR',
    ]) {
      assert.ok(codes.includes(code), code);
    }
  });
});
