import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ERROR_CATALOGUE, lunarCoreName } from '../errors.js';
import { documentResponse } from '../http/common-schemas.js';
import { apiReferencePage, errorCataloguePage } from './docs-page.js';

const scalarBundle = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('@scalar/fastify-api-reference'))),
  'js',
  'standalone.js',
);

// Scalar renders with inline styles and evaluates no remote code; everything else stays 'self'.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const ErrorCatalogue = Type.Object({
  errors: Type.Array(
    Type.Object({
      code: Type.String(),
      lunarcore: Type.String(),
      status: Type.Integer(),
      meaning: Type.String(),
    }),
  ),
});

const OpenApiDocument = Type.Object(
  { openapi: Type.String(), info: Type.Object({}), paths: Type.Object({}) },
  { description: 'The OpenAPI document', additionalProperties: true },
);

const publicDocs = { auth: 'public', rateGroup: 'ip' } as const;

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  if (!fs.existsSync(scalarBundle))
    throw new Error(`API reference bundle missing at ${scalarBundle}; reinstall dependencies`);
  let cachedDocument: string | undefined;
  app.get(
    '/openapi.json',
    {
      config: publicDocs,
      schema: {
        tags: ['system'],
        summary: 'This OpenAPI 3.1 document',
        response: { 200: OpenApiDocument },
      },
    },
    async (_request, reply) => {
      cachedDocument ??= JSON.stringify(app.swagger());
      return reply.header('content-type', 'application/json; charset=utf-8').send(cachedDocument);
    },
  );

  app.get(
    '/docs',
    {
      config: publicDocs,
      schema: {
        tags: ['system'],
        summary: 'The interactive API reference',
        response: { 200: documentResponse('text/html', 'An HTML page that renders this document') },
      },
    },
    async (_request, reply) =>
      reply
        .header('content-security-policy', DOCS_CSP)
        .type('text/html; charset=utf-8')
        .send(apiReferencePage()),
  );

  app.get(
    '/docs/assets/scalar.js',
    {
      config: publicDocs,
      schema: {
        tags: ['system'],
        summary: 'The script of the interactive API reference',
        response: {
          200: documentResponse('application/javascript', 'The API reference bundle, served locally'),
        },
      },
    },
    async (_request, reply) =>
      reply
        .header('cache-control', 'public, max-age=86400')
        .type('application/javascript; charset=utf-8')
        .send(fs.createReadStream(scalarBundle)),
  );

  app.get(
    '/docs/errors',
    {
      config: publicDocs,
      schema: {
        tags: ['system'],
        summary: 'Every error code with its status and meaning',
        description: 'HTML by default; JSON when the request prefers `application/json`.',
        response: {
          200: {
            description: 'The error catalogue',
            content: {
              'text/html': { schema: Type.String() },
              'application/json': { schema: ErrorCatalogue },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const accept = request.headers.accept ?? '';
      if (accept.includes('application/json') && !accept.includes('text/html')) {
        return {
          errors: Object.entries(ERROR_CATALOGUE).map(([code, { status, meaning }]) => ({
            code,
            lunarcore: lunarCoreName(code as keyof typeof ERROR_CATALOGUE),
            status,
            meaning,
          })),
        };
      }
      return reply
        .header('content-security-policy', DOCS_CSP)
        .type('text/html; charset=utf-8')
        .send(errorCataloguePage());
    },
  );
}
