import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { MAX_CLIENT_ID_LENGTH } from './rollout-bucket.js';

/**
 * The installation's id for staged rollouts: the `client_id` query parameter (updater clients that
 * cannot send headers) or the `X-Client-Id` header.
 */
export function clientIdOf(request: FastifyRequest): string | undefined {
  return clientIdFrom((request.query as { client_id?: unknown } | undefined)?.client_id, request.headers);
}

/** `clientIdOf` over the parts it reads: the query's `client_id` wins over the header. */
export function clientIdFrom(fromQuery: unknown, headers: IncomingHttpHeaders): string | undefined {
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  const header = headers['x-client-id'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_CLIENT_ID_LENGTH) {
    throw new AppError('INVALID_REQUEST', `X-Client-Id is longer than ${MAX_CLIENT_ID_LENGTH} characters`, {
      field: 'X-Client-Id',
    });
  }
  return value;
}
