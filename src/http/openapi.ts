import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';
import { API_PREFIX } from './api-prefix.js';
import { ErrorEnvelopeSchema } from './common-schemas.js';
import type { RouteContract } from './route-contract.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Any write can meet a full disk or a read-only database: 503 `STORAGE_UNAVAILABLE` (error-handler.ts). */
function documentStorageFault(method: string | string[], schema: Record<string, unknown>): void {
  const writes = (Array.isArray(method) ? method : [method]).some((m) => WRITE_METHODS.has(m));
  const responses = schema.response as Record<string, unknown> | undefined;
  if (!writes || responses === undefined || responses[503] !== undefined) return;
  schema.response = {
    ...responses,
    503: {
      $ref: 'ErrorEnvelope#',
      description: 'STORAGE_UNAVAILABLE: disk full or database read-only; retry after `Retry-After` seconds',
    },
  };
}

/** Registers the OpenAPI 3.1 generator; routes' schemas are its only source. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorEnvelopeSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LunarBit API Gateway',
        version: VERSION,
        description:
          'Release distribution, update checks and an AI proxy behind API keys. Every path is also served under `/api/v2`. ' +
          'Errors use one envelope; see `/docs/errors` for every code. ' +
          'JSON bodies are validated as sent (no type coercion); query strings and path parameters are read from text. ' +
          'Text refuses control characters other than tab and line breaks; numbers lie within ±(2^53 − 1).',
      },
      servers: [
        { url: '/', description: 'This gateway' },
        { url: API_PREFIX, description: 'This gateway, versioned base path' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (lbapi_…) or the admin key',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      tags: [
        { name: 'system', description: 'Health, readiness and documentation' },
        { name: 'keys', description: 'API key management' },
        { name: 'projects', description: 'Release catalog: projects' },
        { name: 'versions', description: 'Release catalog: versions of a channel' },
        { name: 'builds', description: 'Release catalog: builds and downloads' },
        { name: 'admin', description: 'Release catalog administration (permission canManageProjects)' },
        { name: 'github', description: 'GitHub Releases synchronisation: on-demand sync and the webhook' },
        { name: 'ai', description: 'AI gateway: status, chat, changelog analysis, OpenAI-compatible API' },
        { name: 'updates', description: 'Update checks, launcher batch check and native updater feeds' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
    transform: ({ schema, url, route }) => {
      const contract = (route.config ?? {}) as Partial<RouteContract>;
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (contract.auth !== 'public' && transformed.security === undefined) {
        transformed.security = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
      }
      documentStorageFault(route.method, transformed);
      return { schema: transformed, url };
    },
  });
}
