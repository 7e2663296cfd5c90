import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';
import { API_PREFIX } from './api-prefix.js';
import { ErrorEnvelopeSchema } from './common-schemas.js';
import type { RouteContract } from './route-contract.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Responses = Record<string | number, unknown>;

/**
 * The answers a route's declared guards give (`route-contract.ts`), documented from the declaration
 * so that no route can forget them: 401 without valid credentials, 403 without the permission (or
 * admin key), 429 beyond its rate-limit group, 503 `STORAGE_UNAVAILABLE` on writes, which can
 * meet a full disk or a read-only database (error-handler.ts), and 503 `SERVICE_UNAVAILABLE` where the
 * database is used (writes, key verification) and its connection can be lost. What a route
 * documents itself stays.
 */
export function guardResponses(method: string | string[], contract: Partial<RouteContract>): Responses {
  const responses: Responses = {};
  const envelope = (description: string) => ({ $ref: 'ErrorEnvelope#', description });
  if (contract.auth !== undefined && contract.auth !== 'public') {
    responses[401] = envelope('UNAUTHORIZED: credentials missing, malformed, unknown, expired or revoked');
    const csrf = '; or a console session’s write without its CSRF token';
    responses[403] = envelope(
      contract.auth === 'admin'
        ? `FORBIDDEN: this operation needs the admin key${csrf}`
        : contract.auth === 'session'
          ? `FORBIDDEN: a write without the session’s CSRF token`
          : `FORBIDDEN: the key lacks the permission this operation needs${csrf}`,
    );
  }
  if (contract.rateGroup !== undefined && contract.rateGroup !== 'exempt') {
    responses[429] = envelope('RATE_LIMIT_EXCEEDED: retry after `Retry-After` seconds');
  }
  const lostConnection =
    'SERVICE_UNAVAILABLE: the connection to the database was lost; retry after `Retry-After` seconds';
  if ([method].flat().some((m) => WRITE_METHODS.has(m))) {
    responses[503] = envelope(`STORAGE_UNAVAILABLE: disk full or database read-only; or ${lostConnection}`);
  } else if (contract.auth !== undefined && contract.auth !== 'public') {
    // Keys are verified against the database.
    responses[503] = envelope(lostConnection);
  }
  return responses;
}

function documentGuards(
  method: string | string[],
  contract: Partial<RouteContract>,
  schema: Record<string, unknown>,
) {
  const responses = schema.response as Responses | undefined;
  if (responses === undefined) return;
  schema.response = { ...guardResponses(method, contract), ...responses };
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
          consoleSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'lunarbit_session',
            description:
              'A console session (`POST /console/session`). Writes also need the session’s CSRF token in `X-CSRF-Token` (403 without it).',
          },
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
        { name: 'console', description: 'The web console: its page, files and sign-in sessions' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
    transform: ({ schema, url, route }) => {
      const contract = (route.config ?? {}) as Partial<RouteContract>;
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (contract.auth === 'session') {
        transformed.security = [{ consoleSession: [] }];
      } else if (contract.auth !== 'public' && transformed.security === undefined) {
        transformed.security = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { consoleSession: [] }];
      }
      documentGuards(route.method, contract, transformed);
      return { schema: transformed, url };
    },
  });
}
