import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Status recorded (in the access log, metrics and key usage) for a request whose client closed the
 * connection before the answer was complete, as proxies log it: nobody receives an answer, and it is
 * not the gateway's failure.
 */
export const CLIENT_CLOSED_REQUEST = 499;

export type AbandonedRequestHandler = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Requests whose client went away first. Fastify runs no `onResponse` hook for them (the response
 * never finishes) and `onRequestAbort` only while the request body is still arriving, so they would
 * leave no access line, no metric and no usage. One `close` listener per request tells them apart.
 */
export function watchAbandonedRequests(app: FastifyInstance): (handler: AbandonedRequestHandler) => void {
  const handlers: AbandonedRequestHandler[] = [];
  // Answered requests, marked by the first `onResponse` hook: their `close` comes after it.
  const answered = new WeakSet<FastifyRequest>();
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      if (answered.has(request) || reply.raw.writableFinished) return;
      for (const handler of handlers) handler(request, reply);
    });
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    answered.add(request);
    done();
  });
  return (handler) => {
    handlers.push(handler);
  };
}
