import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { buildTestApp } from '../helpers/build-test-app.js';
import {
  checkEveryAnswer,
  documentedResponseProblems,
  findOperation,
  type OpenApiDocument,
} from '../helpers/openapi-conformance.js';

/** A small app whose one route documents 200 with `{ ok: boolean }` and answers whatever it is asked to. */
async function appAnsweringAnything() {
  const app = Fastify();
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
  app.get(
    '/thing',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['ok'],
            properties: { ok: { type: 'boolean' } },
            additionalProperties: false,
          },
        },
      },
    },
    async (request, reply) => {
      const { status, as } = request.query as { status?: string; as?: string };
      if (as === 'text') return reply.type('text/plain').send('ok');
      if (as === 'wrong-shape')
        return reply.type('application/json').serializer(JSON.stringify).send({ ok: 'yes' });
      return reply.code(Number(status ?? 200) as 200).send({ ok: true });
    },
  );
  await app.ready();
  return app;
}

describe('the OpenAPI conformance check', () => {
  it('rejects an injected answer with an undocumented status, content type or body', async (t) => {
    const app = await appAnsweringAnything();
    t.after(() => app.close());
    checkEveryAnswer(app);
    assert.equal((await app.inject({ url: '/thing' })).statusCode, 200);
    await assert.rejects(
      app.inject({ url: '/thing?status=418' }),
      /GET \/thing\?status=418 → 418: status not documented/,
    );
    await assert.rejects(app.inject({ url: '/thing?as=text' }), /Content-Type text\/plain not documented/);
    await assert.rejects(app.inject({ url: '/thing?as=wrong-shape' }), /\/ok must be boolean/);
    await assert.rejects(
      app.inject({ url: '/nowhere', method: 'POST' }),
      /404/,
      'a 404 of Fastify is no envelope',
    );
  });

  it('reports an undocumented answer sent over a socket', async (t) => {
    const app = await appAnsweringAnything();
    t.after(() => app.close());
    const check = checkEveryAnswer(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    assert.equal((await fetch(`${base}/thing`)).status, 200);
    assert.deepEqual(check.problems(), []);
    assert.equal((await fetch(`${base}/thing?status=418`)).status, 418);
    assert.match(check.problems().join('\n'), /GET \/thing\?status=418 → 418: status not documented/);
  });

  it('holds the gateway to its document: undocumented statuses and unknown targets are reported', async (t) => {
    const { app } = await buildTestApp(t);
    const document = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
    const envelope = JSON.stringify({
      error: {
        code: 'NOT_FOUND',
        message: 'x',
        documentation_url: 'https://example.com/docs/errors#NOT_FOUND',
        request_id: 'req_1',
      },
    });
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const health = { status: 200, headers: json, body: (await app.inject({ url: '/health' })).body };
    assert.deepEqual(
      documentedResponseProblems(document, { method: 'GET', url: '/api/v2/health', ...health }),
      [],
    );
    assert.deepEqual(
      documentedResponseProblems(document, { method: 'HEAD', url: '/health', ...health, body: '' }),
      [],
    );
    assert.match(
      documentedResponseProblems(document, {
        method: 'GET',
        url: '/health',
        status: 418,
        headers: json,
        body: envelope,
      })[0]!,
      /status not documented for GET \/health/,
    );
    assert.match(
      documentedResponseProblems(document, {
        method: 'GET',
        url: '/no/such/path',
        status: 200,
        headers: json,
        body: '{}',
      })[0]!,
      /no documented operation/,
    );
    assert.deepEqual(
      documentedResponseProblems(document, {
        method: 'GET',
        url: '/no/such/path',
        status: 404,
        headers: json,
        body: envelope,
      }),
      [],
    );
    assert.match(
      documentedResponseProblems(document, {
        method: 'GET',
        url: '/no/such/path',
        status: 404,
        headers: json,
        body: '{}',
      })[0]!,
      /does not match the documented schema/,
    );
  });

  it('prefers the literal path among templates that match', async (t) => {
    const { app } = await buildTestApp(t);
    const document = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
    const found = findOperation(document, 'GET', '/projects/p/channels/c/electron/win32/x64/RELEASES?id=1');
    assert.equal(found?.path, '/projects/{projectId}/channels/{channelId}/electron/win32/{arch}/RELEASES');
  });

  it('states what clients meet: optional defaults, real media types, and every guard answer', async (t) => {
    const { app } = await buildTestApp(t);
    const document = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
    type Parameter = { name: string; in: string; required?: boolean; schema?: { default?: unknown } };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    for (const { path, method, operation } of operations) {
      for (const parameter of (operation.parameters ?? []) as Parameter[]) {
        if (parameter.schema?.default !== undefined) {
          assert.notEqual(parameter.required, true, `${method} ${path}: ${parameter.name} has a default`);
        }
      }
      const statuses = Object.keys(operation.responses as object);
      if (path.includes('{')) assert.ok(statuses.includes('414'), `${method} ${path} documents 414`);
      if (operation.security !== undefined) {
        assert.ok(
          statuses.includes('401') && statuses.includes('403'),
          `${method} ${path} documents 401/403`,
        );
      }
      if (path !== '/health' && path !== '/ready') {
        assert.ok(statuses.includes('429'), `${method} ${path} documents 429`);
      }
      if (method !== 'get') assert.ok(statuses.includes('503'), `${method} ${path} documents 503`);
    }
    const mediaTypes = (path: string) =>
      Object.keys(
        (document.paths[path]!.get!.responses as Record<string, { content: object }>)[200]!.content,
      );
    const feeds = '/projects/{projectId}/channels/{channelId}';
    assert.deepEqual(mediaTypes(`${feeds}/sparkle/appcast.xml`), ['application/xml']);
    assert.deepEqual(mediaTypes(`${feeds}/electron/win32/{arch}/RELEASES`), ['text/plain']);
    assert.deepEqual(mediaTypes(`${feeds}/electron-updater/{file}`), ['text/yaml']);
    assert.deepEqual(mediaTypes('/docs/errors').sort(), ['application/json', 'text/html']);
    assert.deepEqual(mediaTypes('/metrics'), ['text/plain']);
  });
});
