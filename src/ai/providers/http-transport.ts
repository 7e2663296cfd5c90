/**
 * Outbound HTTP for AI providers: one keep-alive pool per provider (no cap of its own on connections), connect/headers/idle timeouts,
 * a total deadline, a response size cap, and abort propagation so that a client that goes away
 * closes the upstream connection at once (and stops the provider spending tokens).
 * Every failure leaves here as a `ProviderError` with a kind the router can act on.
 */
import { Agent, request } from 'undici';
import { kindOfStatus, ProviderError, type ProviderErrorKind, parseRetryAfter } from './provider.js';
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
  now?: () => number;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export type HttpTransport = ReturnType<typeof createHttpTransport>;

export function createHttpTransport(options: HttpTransportOptions) {
  const provider = options.provider;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = options.now ?? Date.now;
  const agent = new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
    connections: options.connections ?? null,
  });

  /** Ties the caller's signal and the total deadline to one controller, and remembers which fired. */
  function deadline(signal: AbortSignal | undefined) {
    const controller = new AbortController();
    const state = { timedOut: false, clientAborted: false };
    const onAbort = () => {
      state.clientAborted = true;
      controller.abort(signal?.reason);
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      state.timedOut = true;
      controller.abort(new Error('total deadline exceeded'));
    }, timeouts.totalMs);
    const dispose = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    return { signal: controller.signal, abort: () => controller.abort(), state, dispose };
  }

  function toProviderError(
    error: unknown,
    state: { timedOut: boolean; clientAborted: boolean },
    started: boolean,
  ) {
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

  async function send(outbound: OutboundRequest, signal: AbortSignal) {
    const headers: Record<string, string> = { accept: 'application/json', ...outbound.headers };
    if (outbound.body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(outbound.url, {
      method: outbound.method,
      headers,
      body: outbound.body === undefined ? undefined : JSON.stringify(outbound.body),
      signal,
      dispatcher: agent,
    });
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const text = await readCapped(response.body, MAX_ERROR_BODY_BYTES, true);
    throw new ProviderError(
      provider,
      kindOfStatus(response.statusCode),
      `upstream answered ${response.statusCode}${upstreamMessage(text)}`,
      { status: response.statusCode, retryAfterMs: parseRetryAfter(response.headers, now()) },
    );
  }

  async function readCapped(
    body: AsyncIterable<Buffer> & { destroy(): void },
    cap: number,
    truncate: boolean,
  ) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > cap) {
        body.destroy();
        if (truncate) break;
        throw new ProviderError(provider, 'invalid_response', `response exceeds ${cap} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  return {
    provider,
    timeouts,

    /** A JSON exchange; a non-2xx answer or a body that is not JSON is a `ProviderError`. */
    async requestJson(outbound: OutboundRequest, signal?: AbortSignal): Promise<unknown> {
      const guard = deadline(signal);
      let started = false;
      try {
        const response = await send(outbound, guard.signal);
        started = true;
        const text = await readCapped(response.body, maxBytes, false);
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new ProviderError(provider, 'invalid_response', 'the response body is not valid JSON');
        }
      } catch (error) {
        throw toProviderError(error, guard.state, started);
      } finally {
        guard.dispose();
      }
    },

    /**
     * The server-sent events of a streamed answer. Ends when the upstream ends its body; a body that
     * stops in the middle of an event is an error. Stopping the iteration closes the connection.
     */
    async *streamEvents(outbound: OutboundRequest, signal?: AbortSignal): AsyncGenerator<SseEvent> {
      const guard = deadline(signal);
      let started = false;
      let finished = false;
      try {
        const response = await send(
          { ...outbound, headers: { ...outbound.headers, accept: 'text/event-stream' } },
          guard.signal,
        );
        started = true;
        const decoder = createSseDecoder();
        let size = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes)
            throw new ProviderError(provider, 'invalid_response', `stream exceeds ${maxBytes} bytes`);
          yield* decoder.push(chunk);
        }
        yield* decoder.end();
        if (decoder.hasPartialEvent()) {
          throw new ProviderError(provider, 'server', 'the stream ended in the middle of an event');
        }
        finished = true;
      } catch (error) {
        throw toProviderError(error, guard.state, started);
      } finally {
        // Early exit (consumer stopped, error): destroy the socket instead of draining it.
        if (!finished) guard.abort();
        guard.dispose();
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
