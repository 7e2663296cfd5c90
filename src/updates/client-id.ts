import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { MAX_CLIENT_ID_LENGTH } from './rollout-bucket.js';
import type { MemoisedAnswer } from './updates-service.js';

/**
 * The installation's id for staged rollouts: the `client_id` query parameter (updater clients that
 * cannot send headers) or the `X-Client-Id` header.
 */
export function clientIdOf(request: FastifyRequest): string | undefined {
  const fromQuery = (request.query as { client_id?: unknown } | undefined)?.client_id;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const header = request.headers['x-client-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_CLIENT_ID_LENGTH) {
    throw new AppError('INVALID_REQUEST', `X-Client-Id is longer than ${MAX_CLIENT_ID_LENGTH} characters`, {
      field: 'X-Client-Id',
    });
  }
  return value;
}

/**
 * Sends a JSON answer serialised once per memo entry (through the route's response schema, which
 * drops undeclared fields). Answers differ per client, so shared caches must not keep them.
 */
export function sendMemoisedJson(reply: FastifyReply, answer: MemoisedAnswer): FastifyReply {
  let body = answer.memo.get(answer.key);
  if (body === undefined) {
    body = String(reply.serialize(answer.produce()));
    answer.memo.set(answer.key, body);
  }
  return reply
    .header('cache-control', 'private, no-cache')
    .type('application/json; charset=utf-8')
    .send(body);
}
