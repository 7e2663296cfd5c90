import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { TEST_ADMIN_KEY } from './test-config.js';

export const adminAuth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export function bearer(key: string) {
  return { authorization: `Bearer ${key}` };
}

/** Creates a key through the real API and returns the full key from the creation response. */
export async function createKey(
  app: FastifyInstance,
  body: Record<string, unknown>,
  headers: Record<string, string> = adminAuth,
): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/admin/keys', headers, payload: body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().key as string;
}

const probe = { auth: 'key', rateGroup: 'key' } as const;
// Documented like every route, so that the answers the guards give are checked against the document.
const schema = { response: { 200: { type: 'object', additionalProperties: true } } };

/** Routes guarded by single permissions, to exercise the auth plugin before domain routes exist. */
export async function permissionProbeRoutes(app: FastifyInstance) {
  app.get(
    '/test/read-projects',
    { config: { ...probe, permission: 'canReadProjects' }, schema },
    async (request) => ({
      caller: request.caller?.name,
    }),
  );
  app.get('/test/use-ai', { config: { ...probe, permission: 'canUseAI' }, schema }, async () => ({
    ok: true,
  }));
  app.get('/test/admin-only', { config: { auth: 'admin', rateGroup: 'key' }, schema }, async () => ({
    ok: true,
  }));
}
