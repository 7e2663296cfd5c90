import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey, permissionProbeRoutes } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';

describe('GET /metrics', () => {
  it('exposes request, rate-limit and cache metrics in Prometheus format to the admin key or METRICS_TOKEN', async (t) => {
    const { app } = await buildTestApp(t, {
      config: {
        metricsToken: 'scrape-token-0123456789',
        rateLimits: { ...testConfig().rateLimits, key: { max: 1, windowMs: 60_000 } },
      },
      overrides: { extraRoutes: permissionProbeRoutes },
    });
    const key = await createKey(app, { name: 'm', permissions: { canReadProjects: true } });
    await app.inject({ url: '/test/read-projects', headers: bearer(key) });
    await app.inject({ url: '/test/read-projects', headers: bearer(key) });

    for (const headers of [adminAuth, bearer('scrape-token-0123456789')]) {
      const response = await app.inject({ url: '/metrics', headers });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const body = response.body;
      assert.match(
        body,
        /lunarbit_http_requests_total\{method="GET",route="\/test\/read-projects",status="200"\} 1/,
      );
      assert.match(
        body,
        /lunarbit_http_requests_total\{method="GET",route="\/test\/read-projects",status="429"\} 1/,
      );
      assert.match(
        body,
        /lunarbit_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/test\/read-projects",status="200"\} \d/,
      );
      assert.match(body, /lunarbit_rate_limit_rejections_total\{policy="key"\} 1/);
      assert.match(body, /lunarbit_cache_lookups_total\{cache="api-keys",result="hit"\} 1/);
      assert.match(body, /lunarbit_process_resident_memory_bytes \d+/);
    }
  });

  it('refuses anonymous callers, wrong tokens and non-admin keys', async (t) => {
    const { app } = await buildTestApp(t, { config: { metricsToken: 'scrape-token-0123456789' } });
    const key = await createKey(app, { name: 'plain', permissions: { canReadProjects: true } });
    assertErrorEnvelope(await app.inject({ url: '/metrics' }), 401, 'UNAUTHORIZED');
    assertErrorEnvelope(
      await app.inject({ url: '/metrics', headers: bearer('scrape-token-wrong') }),
      401,
      'UNAUTHORIZED',
    );
    assertErrorEnvelope(await app.inject({ url: '/metrics', headers: bearer(key) }), 403, 'FORBIDDEN');
  });
});
