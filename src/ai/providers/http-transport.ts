/**
 * Outbound HTTP for AI providers: one keep-alive pool per provider (no cap of its own on connections), connect/headers/idle timeouts,
 * a total deadline, a response size cap, and abort propagation so that a client that goes away
 * closes the upstream connection at once (and stops the provider spending tokens).
 * Every failure leaves here as a `ProviderError` with a kind the router can act on.
 */
import { Agent, Client, type Dispatcher, util as undiciUtil } from 'undici';
import {
  type CallSignal,
  kindOfStatus,
  ProviderError,
  type ProviderErrorKind,
  parseRetryAfter,
} from './provider.js';
import { createSseDecoder, type SseEvent } from './sse-parser.js';

export interface HttpTimeouts {
  /** TCP + TLS handshake. */
  connectMs: number;
  /** Until response headers; a non-streamed completion sends them only when it is done. */
  headersMs: number;
  /** Longest silence between two body chunks. */
  idleMs: number;
  /** Whole exchange, streams included. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  connectMs: 10_000,
  headersMs: 120_000,
  idleMs: 60_000,
  totalMs: 600_000,
};
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface HttpTransportOptions {
  provider: string;
  timeouts?: Partial<HttpTimeouts>;
  maxResponseBytes?: number;
  /**
   * Connections per upstream origin; default unlimited. The router bounds the calls of a provider
   * (`AI_PROVIDER_MAX_CONCURRENCY`); a pool cap below that would queue calls out of its sight.
   */
  connections?: number;
  /** Called each time a request is sent once more after its connection dropped on arrival. */
  onResend?: () => void;
  now?: () => number;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export type HttpTransport = ReturnType<typeof createHttpTransport>;

type ExchangeState = { timedOut: boolean; clientAborted: boolean };

/** Where a URL goes, split as the connection pool wants it; parsed once per distinct URL. */
interface Target {
  origin: string;
  path: string;
}

/**
 * How soon after the request was written a connection that closes or resets before any byte of the
 * answer counts as one the upstream had already closed (an idle keep-alive connection it dropped as
 * the request went out), and the request is sent once more. A later drop is not retried: the
 * upstream may have started generating (and charging for) the answer. The pool keeps idle connections
 * 30 s; uvicorn (vLLM's server: `TIMEOUT_KEEP_ALIVE = 5` in vllm/entrypoints) closes them after 5 s and
 * sends no `Keep-Alive` hint (encode/uvicorn docs/server-behavior.md: it adds `Server` and `Date` only).
 */
export const STALE_CONNECTION_WINDOW_MS = 1_000;
/** How a connection closed under a request shows in the pool's errors. */
const CONNECTION_DROPPED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** A streamed answer's unread bytes above which the upstream socket is paused. */
const STREAM_HIGH_WATER_BYTES = 64 * 1024;
/** Distinct URLs remembered per provider (a few per provider; Azure has one per deployment). */
const MAX_CACHED_TARGETS = 256;

export function createHttpTransport(options: HttpTransportOptions) {
  const provider = options.provider;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = options.now ?? Date.now;
  const connectionOptions = {
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.idleMs,
  };
  const agent = new Agent({
    ...connectionOptions,
    keepAliveTimeout: 30_000,
    connections: options.connections ?? null,
  });
  const targets = new Map<string, Target>();

  function targetOf(url: string): Target {
    let target = targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw Object.assign(new Error(`unsupported protocol ${parsed.protocol}`), {
          code: 'UND_ERR_INVALID_ARG',
        });
      }
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (targets.size >= MAX_CACHED_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  }

  function toProviderError(error: unknown, state: ExchangeState, started: boolean) {
    if (error instanceof ProviderError) return error;
    if (state.clientAborted)
      return new ProviderError(provider, 'aborted', 'request aborted', { cause: error });
    if (state.timedOut) {
      return new ProviderError(provider, 'timeout', `no complete answer within ${timeouts.totalMs} ms`, {
        cause: error,
      });
    }
    const code = errorCode(error);
    const kind: ProviderErrorKind =
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT'
        ? 'timeout'
        : started
          ? 'server'
          : 'connect';
    const what = started ? 'connection failed during the response' : 'could not reach the provider';
    return new ProviderError(provider, kind, `${what} (${code ?? 'network error'})`, { cause: error });
  }

  /**
   * One upstream exchange, driven by the connection pool's callbacks: no response stream, no
   * controller of its own. The caller's signal and the total deadline both cut the connection;
   * `state` remembers which one did. A non-2xx answer is read (up to a cap) into a `ProviderError`.
   * The sink gets a 2xx answer's body and end, or (once) the error, however the exchange failed.
   */
  class Exchange implements Dispatcher.DispatchHandlers {
    readonly state: ExchangeState = { timedOut: false, clientAborted: false };
    started = false;
    settled = false;
    private cut: ((reason?: Error) => void) | null = null;
    private cutReason: Error | undefined;
    private readonly timer: NodeJS.Timeout;
    private status = 0;
    private rawHeaders: Buffer[] | null = null;
    private errorChunks: Buffer[] | null = null;
    private errorSize = 0;
    /** When the request was handed to a connection (`now()`), or -1 before. */
    private writtenAt = -1;
    private resent = false;
    resumeUpstream: (() => void) | null = null;

    constructor(
      private readonly outbound: OutboundRequest,
      private readonly accept: string,
      private readonly signal: CallSignal | undefined,
      private readonly sink: {
        /** A chunk of the 2xx body; false pauses the upstream until `resumeUpstream()`. */
        onBody(chunk: Buffer): boolean;
        /** The body is complete; a throw fails the exchange. */
        onEnd(): void;
        onFail(error: ProviderError): void;
      },
    ) {
      this.timer = setTimeout(() => {
        this.state.timedOut = true;
        this.abort(new Error('total deadline exceeded'));
      }, timeouts.totalMs);
      if (signal !== undefined) {
        if (signal.aborted) this.onSignal();
        else signal.addEventListener('abort', this, { once: true });
      }
    }

    /** The caller's signal fired (an `EventListener` object, so no closure per exchange). */
    handleEvent(): void {
      this.onSignal();
    }

    private onSignal(): void {
      this.state.clientAborted = true;
      this.abort(this.signal?.reason);
    }

    /** Cuts the exchange; the connection is destroyed (not drained). */
    abort(reason?: unknown): void {
      if (this.settled) return;
      const error = reason instanceof Error ? reason : new Error('request aborted', { cause: reason });
      if (this.cut) this.cut(error);
      else this.cutReason ??= error;
      // The pool reports the cut through onError; an exchange not yet handed to a connection may
      // never call back, so it fails here.
      this.fail(error);
    }

    /** Ends the exchange's timer and signal listener; safe to call more than once. */
    dispose(): void {
      clearTimeout(this.timer);
      this.signal?.removeEventListener('abort', this);
    }

    private fail(error: unknown): void {
      if (this.settled) return;
      this.settled = true;
      this.dispose();
      this.sink.onFail(toProviderError(error, this.state, this.started));
    }

    /** Hands the request to the pool, or (resent after a stale connection) to a new connection. */
    send(): void {
      // Cut before it started (the caller's signal had fired): nothing to send.
      if (this.settled) return;
      const outbound = this.outbound;
      const headers: Record<string, string> = { accept: this.accept, ...outbound.headers };
      if (outbound.body !== undefined) headers['content-type'] = 'application/json';
      try {
        const target = targetOf(outbound.url);
        const request: Dispatcher.DispatchOptions = {
          origin: target.origin,
          path: target.path,
          method: outbound.method,
          headers,
          body: outbound.body === undefined ? null : JSON.stringify(outbound.body),
        };
        if (!this.resent) {
          agent.dispatch(request, this);
          return;
        }
        // Resent: on a connection of its own, not on another idle one of the pool, which the upstream
        // may have closed at the same moment. Closed gracefully: the request completes first.
        const connection = new Client(target.origin, connectionOptions);
        connection.dispatch(request, this);
        connection.close().catch(() => {});
      } catch (error) {
        this.onError(error as Error);
      }
    }

    onConnect(abort: (reason?: Error) => void): void {
      if (this.cutReason !== undefined) abort(this.cutReason);
      else this.cut = abort;
      this.writtenAt = now();
    }

    onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
      if (statusCode < 200) return true;
      this.status = statusCode;
      this.resumeUpstream = resume;
      if (statusCode >= 300) {
        this.rawHeaders = rawHeaders;
        this.errorChunks = [];
        return true;
      }
      this.started = true;
      return true;
    }

    onData(chunk: Buffer): boolean {
      if (this.settled) return true;
      const errorChunks = this.errorChunks;
      if (errorChunks === null) return this.sink.onBody(chunk);
      this.errorSize += chunk.length;
      if (this.errorSize > MAX_ERROR_BODY_BYTES) {
        // Enough of the error message; the rest is not read.
        const error = this.statusError();
        this.cut?.(error);
        this.fail(error);
        return false;
      }
      errorChunks.push(chunk);
      return true;
    }

    onComplete(): void {
      if (this.settled) return;
      if (this.errorChunks !== null) {
        this.fail(this.statusError());
        return;
      }
      this.settled = true;
      this.dispose();
      try {
        this.sink.onEnd();
      } catch (error) {
        this.sink.onFail(toProviderError(error, this.state, true));
      }
    }

    onError(error: Error): void {
      if (this.droppedOnArrival(error)) {
        this.resent = true;
        options.onResend?.();
        this.cut = null;
        this.send();
        return;
      }
      this.fail(error);
    }

    /**
     * True once per exchange for a connection that closed before any byte of the answer, right after
     * the request was written: the race of a request with the upstream closing an idle connection.
     */
    private droppedOnArrival(error: Error): boolean {
      return (
        !this.resent &&
        !this.settled &&
        this.status === 0 &&
        this.writtenAt >= 0 &&
        now() - this.writtenAt <= STALE_CONNECTION_WINDOW_MS &&
        CONNECTION_DROPPED_CODES.has(errorCode(error) ?? '')
      );
    }

    private statusError(): ProviderError {
      const text = Buffer.concat(this.errorChunks ?? []).toString('utf8');
      const headers = this.rawHeaders === null ? {} : undiciUtil.parseHeaders(this.rawHeaders);
      return new ProviderError(
        provider,
        kindOfStatus(this.status),
        `upstream answered ${this.status}${upstreamMessage(text)}`,
        { status: this.status, retryAfterMs: parseRetryAfter(headers, now()) },
      );
    }
  }

  /** True (and the exchange aborted) once a body grew past `maxBytes`. */
  function abortedOverCap(exchange: Exchange, size: number, what: 'response' | 'stream'): boolean {
    if (size <= maxBytes) return false;
    exchange.abort(new ProviderError(provider, 'invalid_response', `${what} exceeds ${maxBytes} bytes`));
    return true;
  }

  return {
    provider,
    timeouts,

    /** A JSON exchange; a non-2xx answer or a body that is not JSON is a `ProviderError`. */
    requestJson(outbound: OutboundRequest, signal?: CallSignal): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const exchange: Exchange = new Exchange(outbound, 'application/json', signal, {
          onBody(chunk) {
            size += chunk.length;
            if (abortedOverCap(exchange, size, 'response')) return false;
            chunks.push(chunk);
            return true;
          },
          onEnd() {
            const text =
              chunks.length === 1
                ? chunks[0]!.toString('utf8')
                : Buffer.concat(chunks, size).toString('utf8');
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              throw new ProviderError(provider, 'invalid_response', 'the response body is not valid JSON');
            }
            resolve(body);
          },
          onFail: reject,
        });
        exchange.send();
      });
    },

    /**
     * The server-sent events of a streamed answer, in batches: the events completed by what arrived
     * since the previous batch was taken (one step of the iteration per batch, not per event). Ends
     * when the upstream ends its body; a body that stops in the middle of an event is an error.
     * Stopping the iteration closes the connection.
     */
    async *streamEvents(outbound: OutboundRequest, signal?: CallSignal): AsyncGenerator<SseEvent[]> {
      const decoder = createSseDecoder();
      let queue: SseEvent[] = [];
      let unread = 0;
      let paused = false;
      let ended = false;
      let failure: ProviderError | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        const resolve = wake;
        wake = undefined;
        resolve?.();
      };
      let size = 0;
      const exchange: Exchange = new Exchange(outbound, 'text/event-stream', signal, {
        onBody(chunk) {
          size += chunk.length;
          if (abortedOverCap(exchange, size, 'stream')) return false;
          const events = decoder.push(chunk);
          if (events.length > 0) {
            if (queue.length === 0) queue = events;
            else for (const event of events) queue.push(event);
            notify();
          }
          unread += chunk.length;
          // Paused only while events wait to be read: the consumer's next read resumes it.
          paused = queue.length > 0 && unread >= STREAM_HIGH_WATER_BYTES;
          return !paused;
        },
        onEnd() {
          for (const event of decoder.end()) queue.push(event);
          if (decoder.hasPartialEvent())
            throw new ProviderError(provider, 'server', 'the stream ended in the middle of an event');
          ended = true;
          notify();
        },
        onFail(error) {
          failure = error;
          // A cut by the caller or the deadline drops what was not read yet.
          if (error.kind === 'aborted' || error.kind === 'timeout') queue = [];
          notify();
        },
      });
      let finished = false;
      try {
        exchange.send();
        for (;;) {
          if (queue.length > 0) {
            const events = queue;
            queue = [];
            yield events;
            continue;
          }
          unread = 0;
          if (paused) {
            paused = false;
            // Resuming may deliver (and even end) the rest of the body at once: look again.
            exchange.resumeUpstream?.();
            continue;
          }
          if (failure !== undefined) throw failure;
          if (ended) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        finished = true;
      } finally {
        // Early exit (consumer stopped, error): destroy the socket instead of draining it.
        if (!finished) exchange.abort();
        exchange.dispose();
      }
    },

    close: () => agent.close(),
  };
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** A short excerpt of the upstream's error message, for logs; never shown to API clients as-is. */
function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof body.error === 'object' && typeof body.error?.message === 'string'
        ? body.error.message
        : typeof body.error === 'string'
          ? body.error
          : typeof body.message === 'string'
            ? body.message
            : undefined;
    return message === undefined ? '' : `: ${message.slice(0, 300)}`;
  } catch {
    return '';
  }
}
