/**
 * The HTTP side of AI calls shared by `/ai/*` and `/v1/*`: an abort signal that fires when the
 * client goes away (so the upstream request is closed at once and stops generating), the
 * `X-Gateway-Overhead-Ms` header, and server-sent-event responses.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorEnvelope, errorEnvelope } from '../errors.js';
import { shuttingDownError } from '../http/drain.js';
import { classifyError } from '../http/error-handler.js';
import type { AbortListener, CallSignal } from './providers/provider.js';

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

/**
 * The signal of one AI call and its abort: what an `AbortController` gives, without its cost on
 * every call (an `EventTarget` whose prototype is swapped after creation, an event per listener).
 * Listeners run once, in the order they were added, when the call is aborted.
 */
class CallAbort implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: AbortListener[] | undefined;

  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.aborted) return;
    if (this.listeners === undefined) this.listeners = [listener];
    else if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index !== -1) this.listeners?.splice(index, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) {
      try {
        if (typeof listener === 'function') listener();
        else listener.handleEvent();
      } catch (error) {
        // As an EventTarget does: one failing listener neither stops the others nor the abort.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}

/** The calls in progress that each shutdown deadline cuts, so that a call adds no listener of its own. */
const callsCutAt = new WeakMap<AbortSignal, Set<CallAbort>>();

function callsCutBy(deadline: AbortSignal): Set<CallAbort> {
  let calls = callsCutAt.get(deadline);
  if (calls === undefined) {
    const cut = new Set<CallAbort>();
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
 * `cutByShutdown()` whether the deadline cut the call. Released with the response.
 */
export function aiCallSignals(reply: FastifyReply, shutdownDeadline: AbortSignal) {
  const call = new CallAbort();
  let gone = false;
  const calls = shutdownDeadline.aborted ? undefined : callsCutBy(shutdownDeadline);
  if (calls === undefined) call.abort(shutdownDeadline.reason);
  else calls.add(call);
  // The response's `close` (emitted once) rather than the request's, which fires once its body was read.
  reply.raw.on('close', () => {
    calls?.delete(call);
    if (reply.raw.writableFinished) return;
    gone = true;
    call.abort(new Error('the client closed the connection'));
  });
  return {
    signal: call as CallSignal,
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
  thrown: unknown,
  signals: AiCallSignals,
): ErrorEnvelope {
  // Ended at the shutdown deadline: the client is told so instead of seeing the stream cut.
  const error = signals.cutByShutdown() ? shuttingDownError() : thrown;
  const { code, message, details } = classifyError(error);
  if (!(error instanceof AppError)) request.log.error({ err: error }, 'AI stream failed');
  else request.log.warn({ code, details }, 'AI stream failed after the first chunk');
  return errorEnvelope(code, message, details, request.id, request.docsBase);
}
