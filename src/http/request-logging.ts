import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the authenticated key (or `admin`), for logs; set by the auth plugin. */
    callerName: string | undefined;
  }
}

/**
 * One structured line per request. Only the route pattern, never the query string (which may carry
 * client ids), and the caller's key name, never the key.
 */
export function registerRequestLogging(app: FastifyInstance, accessLog: FastifyBaseLogger): void {
  app.decorateRequest('callerName', undefined);
  app.addHook('onResponse', (request, reply, done) => {
    accessLog.info(
      {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        caller: request.callerName ?? null,
      },
      'request completed',
    );
    done();
  });
}
