import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../src/errors.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { databaseBackends } from '../helpers/services.js';

const testRoute = { auth: 'public', rateGroup: 'ip' } as const;

const anything = { type: 'object', additionalProperties: true };
const envelope = { $ref: 'ErrorEnvelope#' };

/**
 * Routes that exist only in this test, to exercise the error handler with real failures; each
 * documents what it answers, like any route.
 */
async function failingRoutes(app: FastifyInstance) {
  app.post(
    '/test/echo',
    {
      config: testRoute,
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        response: { 200: anything },
      },
    },
    async (request) => request.body,
  );
  app.get(
    '/test/throw',
    { config: testRoute, schema: { response: { 200: anything, 500: envelope } } },
    async () => {
      throw new Error('connection string postgres://admin:hunter2@db/x is broken');
    },
  );
  app.get(
    '/test/app-error',
    { config: testRoute, schema: { response: { 200: anything, 409: envelope } } },
    async () => {
      throw new AppError('CONFLICT', 'Project trackly already exists', { project: 'trackly' });
    },
  );
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`error envelope [${backend}]`, { skip }, () => {
    it('an unknown route gets 404 NOT_FOUND at both base paths', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      assertErrorEnvelope(await app.inject({ url: '/nope' }), 404, 'NOT_FOUND');
      assertErrorEnvelope(await app.inject({ url: '/api/v2/nope' }), 404, 'NOT_FOUND');
    });

    it('malformed JSON gets 400 INVALID_REQUEST', async (t) => {
      const { app } = await buildTestApp(t, { backend, overrides: { extraRoutes: failingRoutes } });
      const response = await app.inject({
        method: 'POST',
        url: '/test/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "x",',
      });
      const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      assert.match(String(error.message), /not valid JSON/);
    });

    it('schema failures list every failing field', async (t) => {
      const { app } = await buildTestApp(t, { backend, overrides: { extraRoutes: failingRoutes } });
      const response = await app.inject({
        method: 'POST',
        url: '/test/echo',
        payload: { name: '', count: 0, colour: 'red' },
      });
      const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      const details = error.details as { location: string; fields: { field: string; message: string }[] };
      assert.equal(details.location, 'body');
      const fields = details.fields.map((f) => f.field).sort();
      assert.deepEqual(fields, ['colour', 'count', 'name']);
      assert.equal(details.fields.find((f) => f.field === 'colour')?.message, 'is not an accepted field');
    });

    it('a body over BODY_LIMIT gets 413 PAYLOAD_TOO_LARGE', async (t) => {
      const { app } = await buildTestApp(t, {
        backend,
        config: { bodyLimitBytes: 1024 },
        overrides: { extraRoutes: failingRoutes },
      });
      const response = await app.inject({
        method: 'POST',
        url: '/test/echo',
        payload: { name: 'x'.repeat(2000), count: 1 },
      });
      assertErrorEnvelope(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('an unsupported Content-Type gets 415', async (t) => {
      const { app } = await buildTestApp(t, { backend, overrides: { extraRoutes: failingRoutes } });
      const response = await app.inject({
        method: 'POST',
        url: '/test/echo',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'name=x&count=1',
      });
      assertErrorEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('a route that throws gets 500 INTERNAL_ERROR with no internal detail, logged with the request id', async (t) => {
      const { app, logLines } = await buildTestApp(t, { backend, overrides: { extraRoutes: failingRoutes } });
      const response = await app.inject({ url: '/test/throw' });
      const error = assertErrorEnvelope(response, 500, 'INTERNAL_ERROR');
      assert.doesNotMatch(response.body, /hunter2|postgres:|stack|at /);
      assert.equal(error.details, undefined);
      const logged = logLines().find((line) => line.msg === 'request failed');
      assert.equal(logged?.requestId, response.headers['x-request-id']);
      assert.equal(logged?.code, 'LC_ERR_INTERNAL_ERROR');
    });

    it('an AppError keeps its code, message and details', async (t) => {
      const { app } = await buildTestApp(t, { backend, overrides: { extraRoutes: failingRoutes } });
      const error = assertErrorEnvelope(await app.inject({ url: '/test/app-error' }), 409, 'CONFLICT');
      assert.equal(error.message, 'Project trackly already exists');
      assert.deepEqual(error.details, { project: 'trackly' });
    });

    it('documentation_url uses PUBLIC_URL when configured', async (t) => {
      const { app } = await buildTestApp(t, { backend, config: { publicUrl: 'https://api.lunarbit.dev' } });
      const error = assertErrorEnvelope(await app.inject({ url: '/missing' }), 404, 'NOT_FOUND');
      assert.equal(error.documentation_url, 'https://api.lunarbit.dev/docs/errors#NOT_FOUND');
    });
  });
}
