import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const VALID_INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Keeps a caller's well-formed `X-Request-Id` (for tracing across services), else makes one. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && VALID_INCOMING_ID.test(incoming)) return incoming;
  return `req_${randomBytes(12).toString('base64url')}`;
}
