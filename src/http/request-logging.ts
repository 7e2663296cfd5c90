import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AbandonedRequestHandler, CLIENT_CLOSED_REQUEST } from './abandoned-requests.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the authenticated key (or `admin`), for logs; set by the auth plugin. */
    callerName: string | undefined;
  }
}

/**
 * One structured line per request. Only the route pattern, never the query string (which may carry
 * client ids), and the caller's key name, never the key. A request whose client closed the
 * connection before the answer was complete gets its line too, with status 499.
 */
export function registerRequestLogging(
  app: FastifyInstance,
  accessLog: FastifyBaseLogger,
  onAbandoned: (handler: AbandonedRequestHandler) => void,
): void {
  app.decorateRequest('callerName', undefined);
  const line = (request: FastifyRequest, reply: FastifyReply, status: number) =>
    accessLog.info(
      {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        caller: request.callerName ?? null,
      },
      'request completed',
    );
  app.addHook('onResponse', (request, reply, done) => {
    line(request, reply, reply.statusCode);
    done();
  });
  onAbandoned((request, reply) => line(request, reply, CLIENT_CLOSED_REQUEST));
}
