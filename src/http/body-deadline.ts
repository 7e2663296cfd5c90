/**
 * Request bodies that never finish. A body must arrive completely within `BODY_TIMEOUT_MS` of the
 * request's headers; a multipart upload (up to `MAX_UPLOAD_SIZE`, which may take minutes) must
 * instead bring at least one byte in every `BODY_TIMEOUT_MS`. A body that misses its deadline gets
 * 408 `REQUEST_TIMEOUT` and its connection is closed.
 *
 * And whatever the answer (401, 413, 415, 408, …), a connection whose request body has not
 * completely arrived when the answer goes out is closed after it (`Connection: close`): the gateway
 * does not keep a socket open to read, and throw away, a body it already refused.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const timedOut = new WeakMap<FastifyRequest, AppError>();

/** The 408 of a request whose body missed its deadline: whatever its reader threw, this is the answer. */
export function bodyTimeoutOf(request: FastifyRequest): AppError | undefined {
  return timedOut.get(request);
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Still arriving: the HTTP parser has not seen the end of the body yet. */
function bodyPending(raw: IncomingMessage): boolean {
  return !raw.complete && hasBody(raw);
}

function timeoutError(timeoutMs: number, multipart: boolean): AppError {
  const message = multipart
    ? `The upload stalled: no byte arrived for ${timeoutMs} ms`
    : `The request body did not arrive within ${timeoutMs} ms`;
  return new AppError('REQUEST_TIMEOUT', message, { body_timeout_ms: timeoutMs });
}

export function registerBodyDeadline(app: FastifyInstance, options: { timeoutMs: number }): void {
  const { timeoutMs } = options;

  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (!bodyPending(raw)) return done();
    const multipart = raw.headers['content-type']?.toLowerCase().startsWith('multipart/') === true;
    const socket = raw.socket;
    let bytesSeen = socket.bytesRead;
    const expire = () => {
      const error = timeoutError(timeoutMs, multipart);
      timedOut.set(request, error);
      request.log.info({ timeoutMs, multipart }, 'request body timed out');
      if (reply.sent || reply.raw.headersSent) {
        socket.destroy();
      } else if (raw.listenerCount('error') > 0) {
        // The body's reader (JSON parser, multipart form) fails with it and the error handler answers.
        raw.emit('error', error);
      } else {
        reply.send(error);
      }
    };
    const check = () => {
      if (!bodyPending(raw) || reply.raw.writableEnded || socket.destroyed) return;
      if (multipart && socket.bytesRead > bytesSeen) {
        bytesSeen = socket.bytesRead;
        timer = setTimeout(check, timeoutMs).unref();
        return;
      }
      expire();
    };
    let timer = setTimeout(check, timeoutMs).unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });

  // Node closes the connection once this answer is flushed, instead of reading the rest of the body.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (bodyPending(request.raw)) reply.header('connection', 'close');
    done(null, payload);
  });
}
