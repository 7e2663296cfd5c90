import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../http/common-schemas.js';
import { type KeyUsageSeries, UsageQuery, type UsageRange, UsageResponse } from './key-usage-series.js';
import {
  CreateKeyBody,
  IssuedKeyResponse,
  KeyStatsResponse,
  KeyView,
  RotateKeyBody,
  UpdateKeyBody,
} from './keys-schemas.js';
import type { KeysService } from './keys-service.js';

const KeyNameParams = Type.Object({ keyName: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['keys'];

export async function keysRoutes(instance: FastifyInstance, deps: { keys: KeysService }) {
  const { keys } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/admin/keys',
    {
      config: { auth: 'key', permission: 'canCreateKeys', rateGroup: 'key', limitIssuance: true },
      schema: {
        tags,
        summary: 'Create an API key',
        description:
          'Returns the full key once. A non-admin key with `canCreateKeys` can grant only a subset of its own permissions and projects, no higher rate limit and no longer life.',
        body: CreateKeyBody,
        response: { 201: IssuedKeyResponse, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const created = await keys.create({ caller: request.caller!, requestId: request.id }, request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/admin/keys',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'List API keys (masked)',
        querystring: Type.Object(
          { include_revoked: Type.Boolean({ default: false }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ keys: Type.Array(KeyView), total: Type.Integer() }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const list = await keys.list({ includeRevoked: request.query.include_revoked });
      return { keys: list, total: list.length };
    },
  );

  app.get(
    '/admin/keys/stats',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Usage statistics of every key',
        description: 'All-time totals per key and daily buckets for the last 30 days (UTC).',
        response: { 200: KeyStatsResponse, ...errorResponses(401, 403) },
      },
    },
    async () => keys.stats(),
  );

  app.get(
    '/admin/keys/:keyName',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Show one API key (masked)',
        params: KeyNameParams,
        response: { 200: KeyView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => keys.get(request.params.keyName),
  );

  app.patch(
    '/admin/keys/:keyName',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Change an API key',
        description: 'Takes effect at once on every instance.',
        params: KeyNameParams,
        body: UpdateKeyBody,
        response: { 200: KeyView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      keys.update({ caller: request.caller!, requestId: request.id }, request.params.keyName, request.body),
  );

  app.delete(
    '/admin/keys/:keyName',
    {
      config: { auth: 'key', permission: 'canRevokeKeys', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Revoke an API key',
        description: 'By name (case-insensitive) or id. Takes effect at once on every instance.',
        params: KeyNameParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await keys.revoke({ caller: request.caller!, requestId: request.id }, request.params.keyName);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/keys/:keyName/rotate',
    {
      config: { auth: 'key', permission: 'canCreateKeys', rateGroup: 'key', limitIssuance: true },
      schema: {
        tags,
        summary: 'Issue a new secret for a key',
        description:
          'The key keeps its name, permissions and usage. The old secret keeps working for `gracePeriod` (never past the key expiry).',
        params: KeyNameParams,
        body: RotateKeyBody,
        response: { 200: IssuedKeyResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
      // The body is optional: a bare POST rotates with no grace period.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) =>
      keys.rotate(
        { caller: request.caller!, requestId: request.id },
        request.params.keyName,
        request.body.gracePeriod,
      ),
  );
}

/** Usage over time for the console's charts (and anyone else's). */
export async function keyUsageRoutes(instance: FastifyInstance, deps: { series: KeyUsageSeries }) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/usage',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Usage over time: requests, errors, latency and tokens',
        description:
          'From the stored usage buckets (per key per 5 minutes for a day, per hour for 90 days, then per day), every point of the range in one answer: totals, one array per measure, and each key’s totals with its requests per point, and AI tokens by model. The admin key’s own requests are counted under `admin`. p50/p99 are estimated from a histogram of durations (bounds 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 ms).',
        querystring: UsageQuery,
        response: { 200: UsageResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => deps.series.series(request.query.range as UsageRange, request.query.key_id),
  );
}
