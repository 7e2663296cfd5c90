import type { FastifyInstance } from 'fastify';
import type { HeaderSink } from './rate-limit-headers.js';

/** The reference's security headers plus referrer and cache defaults, on every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'content-security-policy': "default-src 'self'",
  'referrer-policy': 'no-referrer',
  // Routes that may be cached (catalog reads, docs assets) set their own Cache-Control.
  'cache-control': 'no-store',
};

/** The headers every answer starts with, whichever path writes it: security headers and the request id. */
export function setStandardHeaders(sink: HeaderSink, requestId: string): void {
  for (const name in SECURITY_HEADERS) sink.header(name, SECURITY_HEADERS[name]!);
  sink.header('x-request-id', requestId);
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    setStandardHeaders(reply, request.id);
    done();
  });
}
