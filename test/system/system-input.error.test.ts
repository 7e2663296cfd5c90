import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorEnvelope, assertSecurityHeaders } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';

const MINUTE = 60_000;
const LONG = 'a'.repeat(257);
const jsonHeaders = { ...adminAuth, 'content-type': 'application/json' };

for (const { backend, skip } of await databaseBackends()) {
  describe(`request bodies, parameters and their log lines [${backend}]`, { skip }, () => {
    it('a text/plain body on a JSON route is 415, and nothing is stored', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const response = await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: { ...adminAuth, 'content-type': 'text/plain' },
        payload: '{"name":"k"}',
      });
      assertErrorEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal((await app.inject({ url: '/admin/keys', headers: adminAuth })).json().total, 0);
    });

    it('an empty JSON body is no body: accepted where none is taken, a clear 400 where one is needed', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'k' });
      const rotated = await app.inject({
        method: 'POST',
        url: '/admin/keys/k/rotate',
        headers: jsonHeaders,
        payload: '',
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      await app.inject({
        method: 'POST',
        url: '/admin/projects',
        headers: adminAuth,
        payload: { id: 'p', name: 'P' },
      });
      const versions = '/admin/projects/p/channels/stable/versions';
      await app.inject({ method: 'POST', url: versions, headers: adminAuth, payload: { version: '1.0.0' } });
      const published = await app.inject({
        method: 'POST',
        url: `${versions}/1.0.0/publish`,
        headers: jsonHeaders,
        payload: '',
      });
      assert.equal(published.statusCode, 200, published.body);
      const deleted = await app.inject({
        method: 'DELETE',
        url: '/admin/keys/k',
        headers: jsonHeaders,
        payload: '',
      });
      assert.equal(deleted.statusCode, 204, deleted.body);

      const create = await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: jsonHeaders,
        payload: '',
      });
      const error = assertErrorEnvelope(create, 400, 'INVALID_REQUEST');
      assert.match(String(error.message), /missing/);
    });

    it('query strings are still read from text', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      await createKey(app, { name: 'gone' });
      await app.inject({ method: 'DELETE', url: '/admin/keys/gone', headers: adminAuth });
      const listed = await app.inject({ url: '/admin/keys?include_revoked=true', headers: adminAuth });
      assert.equal(listed.json().total, 1);
      const page = await app.inject({ url: '/admin/audit?page=2&per_page=1', headers: adminAuth });
      assert.equal(page.statusCode, 200, page.body);
      assert.deepEqual([page.json().page, page.json().per_page], [2, 1]);
    });

    it('a number in a query string that only overflows to Infinity is 400 naming the field', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const url of [
        '/projects?page=1e400',
        '/admin/audit?per_page=-1e400',
        '/projects?page=1&per_page=1e999',
      ]) {
        const error = assertErrorEnvelope(
          await app.inject({ url, headers: adminAuth }),
          400,
          'INVALID_REQUEST',
        );
        const field = url.includes('per_page') ? 'per_page' : 'page';
        assert.deepEqual(error.details, {
          location: 'querystring',
          fields: [{ field, message: 'must be a finite number' }],
        });
      }
    });

    it('a path parameter over 256 characters is 414 in the envelope, rate-limited and documented', async (t) => {
      const limits = testConfig().rateLimits;
      const { app } = await buildTestApp(t, {
        backend,
        config: { rateLimits: { ...limits, ip: { max: 2, windowMs: MINUTE } } },
      });
      const first = await app.inject({ url: `/projects/${LONG}`, headers: adminAuth });
      const error = assertErrorEnvelope(first, 414, 'URI_TOO_LONG');
      assert.match(String(error.message), /projectId.*256/);
      assert.equal(first.headers['x-ratelimit-limit'], '2');
      assert.equal(first.headers['x-ratelimit-remaining'], '1');
      const prefixed = await app.inject({
        url: `/api/v2/projects/x/channels/${LONG}/versions`,
        headers: adminAuth,
      });
      assertErrorEnvelope(prefixed, 414, 'URI_TOO_LONG');
      assertErrorEnvelope(
        await app.inject({ url: `/projects/${LONG}`, headers: adminAuth }),
        429,
        'RATE_LIMIT_EXCEEDED',
      );
    });

    it('a path parameter of 256 characters is routed as usual; the document names the 414 and the 415', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const response = await app.inject({ url: `/admin/keys/${'k'.repeat(256)}`, headers: adminAuth });
      const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      assert.deepEqual(error.details, {
        location: 'params',
        fields: [{ field: 'keyName', message: 'must NOT have more than 100 characters' }],
      });
      const document = (await app.inject({ url: '/openapi.json' })).json();
      assert.ok(document.paths['/projects/{projectId}'].get.responses['414']);
      assert.ok(document.paths['/admin/keys'].post.responses['415']);
      assert.equal(document.paths['/admin/keys'].get.responses['414'], undefined);
    });

    it('a path the router cannot decode still gets the envelope and the security headers', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const response = await app.inject({ url: '/admin/keys/a%E0%A4%A', headers: adminAuth });
      assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      assertSecurityHeaders(response);
    });

    it('the log line of every error answer carries its LC_ERR code, 4xx as well as 5xx', async (t) => {
      const { app, logLines } = await buildTestApp(t, { backend });
      const answers = [
        await app.inject({ url: '/nope' }),
        await app.inject({ url: '/admin/keys' }),
        await app.inject({ method: 'POST', url: '/admin/keys', headers: adminAuth, payload: { name: 5 } }),
        await app.inject({ url: `/projects/${LONG}`, headers: adminAuth }),
        await app.inject({ url: '/health' }),
      ];
      const codeOf = (id: unknown) =>
        logLines().find((line) => line.msg === 'request completed' && line.requestId === id)?.code;
      assert.deepEqual(
        answers.map((answer) => codeOf(answer.headers['x-request-id'])),
        [
          'LC_ERR_NOT_FOUND',
          'LC_ERR_UNAUTHORIZED',
          'LC_ERR_INVALID_REQUEST',
          'LC_ERR_URI_TOO_LONG',
          undefined,
        ],
      );
    });
  });
}
