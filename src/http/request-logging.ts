import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, lunarCoreName } from '../errors.js';
import { type AbandonedRequestHandler, CLIENT_CLOSED_REQUEST } from './abandoned-requests.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the authenticated key (or `admin`), for logs; set by the auth plugin. */
    callerName: string | undefined;
    /** The code of the error envelope answered, if any; set by the error handler. */
    errorCode: ErrorCode | undefined;
  }
}

/**
 * One structured line per request. Only the route pattern, never the query string (which may carry
 * client ids), and the caller's key name, never the key. A request whose client closed the
 * connection before the answer was complete gets its line too, with status 499. Error answers
 * (4xx and 5xx alike) name their code as `LC_ERR_<CODE>`, so a log search finds every 404 or 429.
 */
export function registerRequestLogging(
  app: FastifyInstance,
  accessLog: FastifyBaseLogger,
  onAbandoned: (handler: AbandonedRequestHandler) => void,
): void {
  app.decorateRequest('callerName', undefined);
  app.decorateRequest('errorCode', undefined);
  const line = (request: FastifyRequest, reply: FastifyReply, status: number) =>
    accessLog.info(
      {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        caller: request.callerName ?? null,
        ...(request.errorCode === undefined ? {} : { code: lunarCoreName(request.errorCode) }),
      },
      'request completed',
    );
  app.addHook('onResponse', (request, reply, done) => {
    line(request, reply, reply.statusCode);
    done();
  });
  onAbandoned((request, reply) => line(request, reply, CLIENT_CLOSED_REQUEST));
}
