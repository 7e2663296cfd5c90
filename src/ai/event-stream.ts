/**
 * The HTTP side of AI calls shared by `/ai/*` and `/v1/*`: an abort signal that fires when the
 * client goes away (so the upstream request is closed at once and stops generating), the
 * `X-Gateway-Overhead-Ms` header, and server-sent-event responses.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CoreConfig } from '../config.js';
import { AppError, type ErrorEnvelope, errorEnvelope } from '../errors.js';
import { shuttingDownError } from '../http/drain.js';
import { classifyError, publicBaseUrl } from '../http/error-handler.js';

/**
 * Aborts when the connection closes before the response was completely sent. The response's
 * `close` event is used because the request's fires once its body has been read.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

/** The calls in progress that each shutdown deadline cuts, so that a call adds no listener of its own. */
const callsCutAt = new WeakMap<AbortSignal, Set<AbortController>>();

function callsCutBy(deadline: AbortSignal): Set<AbortController> {
  let calls = callsCutAt.get(deadline);
  if (calls === undefined) {
    const cut = new Set<AbortController>();
    deadline.addEventListener(
      'abort',
      () => {
        for (const call of cut) call.abort(deadline.reason);
        cut.clear();
      },
      { once: true },
    );
    callsCutAt.set(deadline, cut);
    calls = cut;
  }
  return calls;
}

/**
 * The signals of one AI call: `signal` (given to the call) aborts when the client goes away or the
 * shutdown deadline comes, whichever is first; `clientGone()` tells whether the client went away and
 * `cutByShutdown()` whether the deadline cut the call. One controller per call, released with the
 * response.
 */
export function aiCallSignals(reply: FastifyReply, shutdownDeadline: AbortSignal) {
  const controller = new AbortController();
  let gone = false;
  const calls = shutdownDeadline.aborted ? undefined : callsCutBy(shutdownDeadline);
  if (calls === undefined) controller.abort(shutdownDeadline.reason);
  else calls.add(controller);
  // The response's `close` (emitted once) rather than the request's, which fires once its body was read.
  reply.raw.on('close', () => {
    calls?.delete(controller);
    if (reply.raw.writableFinished) return;
    gone = true;
    controller.abort(new Error('the client closed the connection'));
  });
  return {
    signal: controller.signal,
    clientGone: () => gone,
    cutByShutdown: () => shutdownDeadline.aborted && !gone,
  };
}

export type AiCallSignals = ReturnType<typeof aiCallSignals>;

/** A non-streamed call: cut by the shutdown deadline, it answers 503 `shutting_down` rather than 502. */
export async function unlessShutDown<T>(call: Promise<T>, signals: AiCallSignals): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw signals.cutByShutdown() ? shuttingDownError() : error;
  }
}

/** Time spent in the gateway itself: the request's age minus the time spent waiting for the provider. */
export function setOverheadHeader(reply: FastifyReply, upstreamMs: number): void {
  const overhead = Math.max(0, Math.round(reply.elapsedTime - upstreamMs));
  reply.header('x-gateway-overhead-ms', String(overhead));
}

/** Sends `frames` as `text/event-stream`; proxies are told not to buffer it. */
export function sendEventStream(reply: FastifyReply, frames: AsyncIterable<string>): FastifyReply {
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('x-accel-buffering', 'no');
  return reply.send(Readable.from(frames, { objectMode: false }));
}

export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

/** The error envelope of a failure that happens after the stream started (no status code left to set). */
export function streamErrorEnvelope(
  request: FastifyRequest,
  config: Pick<CoreConfig, 'publicUrl'>,
  thrown: unknown,
  signals: AiCallSignals,
): ErrorEnvelope {
  // Ended at the shutdown deadline: the client is told so instead of seeing the stream cut.
  const error = signals.cutByShutdown() ? shuttingDownError() : thrown;
  const { code, message, details } = classifyError(error);
  if (!(error instanceof AppError)) request.log.error({ err: error }, 'AI stream failed');
  else request.log.warn({ code, details }, 'AI stream failed after the first chunk');
  return errorEnvelope(code, message, details, request.id, publicBaseUrl(request, config));
}
