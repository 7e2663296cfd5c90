/**
 * The fast lane: the hottest read routes (update checks) dispatched straight from the HTTP server,
 * before Fastify's per-request machinery. Fastify's routing, hooks and reply objects cost several
 * times what a memoised update answer does; the lane calls the same request functions without them.
 *
 * The lane takes a request only when its answer is in memory exactly as the route would give it: a
 * key whose verification is cached and that holds the route's permission, a route match with
 * well-formed input, a warm snapshot and a serialised body. Everything else (cold caches, errors of
 * input, CORS requests, HEAD, percent-encoded queries, request bodies, shutdown) goes to Fastify
 * before any side effect. A request it takes is admitted by the same function as the router's
 * (admission.ts, with the route's own contract) and recorded by the same one (request-outcome.ts);
 * a refusal (429) is answered here with the envelope the router's error handler writes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { errorEnvelope } from '../errors.js';
import type { Clock } from '../infra/clock.js';
import { type Caller, hasPermission } from '../keys/caller.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Admission, Admit } from './admission.js';
import { stripApiPrefix } from './api-prefix.js';
import { type PresentedCredential, presentedCredential } from './auth.js';
import type { LinkBaseOf } from './link-base.js';
import { type HeaderSink, setRateLimitHeaders } from './rate-limit-headers.js';
import { requestIdOf } from './request-id.js';
import type { RecordOutcome } from './request-outcome.js';
import type { RouteContract } from './route-contract.js';
import { setStandardHeaders } from './security-headers.js';

/** A lane route's answer: its body and headers (names and values in turn, each name once). */
export interface FastAnswer {
  body: string;
  headers: readonly string[];
}

export interface FastLaneRoute {
  /** The route's pattern as Fastify names it (metrics and logs). */
  pattern: string;
  /** The contract the route declares to Fastify: the lane admits its requests by it. */
  contract: RouteContract & { permission: NonNullable<RouteContract['permission']> };
  /** Whether the path is this route's: checked before any key is verified. */
  matches(path: string): boolean;
  /** The answer from memory, or undefined to hand the request to Fastify. Must have no side effects. */
  answer(path: string, query: string, request: IncomingMessage, caller: Caller): FastAnswer | undefined;
}

export interface FastLaneDeps {
  verifier: KeyVerifier;
  admit: Admit;
  recordOutcome: RecordOutcome;
  clock: Clock;
  metrics: Metrics;
  /** The base of `documentation_url` in a refusal's envelope, as the error handler's. */
  linkBaseOf: LinkBaseOf;
  /** For failures (redacted). */
  log: FastifyBaseLogger;
  clientIp: (request: IncomingMessage) => string | undefined;
  isShuttingDown: () => boolean;
  routes: readonly FastLaneRoute[];
}

/** Handles a request and returns true, or returns false at once for Fastify to handle it. */
export type FastLane = (request: IncomingMessage, response: ServerResponse) => boolean;

/** Requests the lane answered, under `lunarbit_cache_lookups_total` (the rest went to Fastify). */
const LANE_ANSWERED = { cache: 'fast-lane', result: 'hit' } as const;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Headers as node:http takes them fastest: one flat list of names and values. `sink` appends (the
 * standard and rate-limit headers, each written once); `set` replaces a name already listed, as a
 * later `reply.header` does on the router (an answer's own Cache-Control over the default).
 */
class HeaderList {
  readonly items: (string | number)[] = [];
  readonly sink: HeaderSink = {
    header: (name, value) => {
      this.items.push(name, value);
    },
  };

  set(name: string, value: string | number): void {
    const { items } = this;
    for (let i = 0; i < items.length; i += 2) {
      if (items[i] === name) {
        items[i + 1] = value;
        return;
      }
    }
    items.push(name, value);
  }
}

interface Plan {
  route: FastLaneRoute;
  caller: Caller;
  credential: PresentedCredential;
  answer: FastAnswer;
  ip: string;
  docsBase: string;
}

export function createFastLane(deps: FastLaneDeps): FastLane {
  const { verifier, admit, recordOutcome, clock, log } = deps;
  const answered = deps.metrics.cacheLookups.labels(LANE_ANSWERED);

  /** The request's plan when the lane can answer it, with no side effect either way. */
  function planOf(request: IncomingMessage): Plan | undefined {
    const { headers } = request;
    if (request.method !== 'GET' || headers.origin !== undefined || deps.isShuttingDown()) return;
    // A body (odd on a GET) is the router's: its deadline and connection handling live there.
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return;
    const url = stripApiPrefix(request.url ?? '/');
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const query = mark === -1 ? '' : url.slice(mark + 1);
    // Other routes must not pay for a key verification that the router then does again.
    const route = deps.routes.find((candidate) => candidate.matches(path));
    if (route === undefined) return;
    const credential = presentedCredential(request);
    if (credential.kind !== 'key') return;
    const caller = verifier.verifyFromMemory(credential.value);
    if (caller === undefined || caller.isAdmin || !hasPermission(caller, route.contract.permission)) return;
    const ip = deps.clientIp(request);
    const docsBase = deps.linkBaseOf(request);
    if (ip === undefined || docsBase === undefined) return;
    const answer = route.answer(path, query, request, caller);
    return answer === undefined ? undefined : { route, caller, credential, answer, ip, docsBase };
  }

  function send(
    request: IncomingMessage,
    response: ServerResponse,
    plan: Plan,
    { applied, caller, refusal }: Admission,
    startedAt: number,
  ): void {
    const requestId = requestIdOf(request);
    // A flat list rather than an object: node:http then neither enumerates keys nor checks each is
    // the object's own (about 5,000 instructions per answer, measured with callgrind).
    const headers = new HeaderList();
    setStandardHeaders(headers.sink, requestId);
    setRateLimitHeaders(headers.sink, applied, clock.now());
    let body: string;
    if (refusal === undefined) {
      const own = plan.answer.headers;
      for (let i = 0; i < own.length; i += 2) headers.set(own[i]!, own[i + 1]!);
      body = plan.answer.body;
    } else {
      for (const name in refusal.headers) headers.set(name, refusal.headers[name]!);
      headers.set('content-type', JSON_TYPE);
      const { code, message, details } = refusal;
      body = JSON.stringify(errorEnvelope(code, message, details, requestId, plan.docsBase));
    }
    headers.set('vary', 'Origin');
    headers.set('content-length', Buffer.byteLength(body));
    const status = refusal?.status ?? 200;
    response.writeHead(status, headers.items);
    response.end(body);
    answered.inc();
    recordOutcome({
      requestId,
      method: 'GET',
      route: plan.route.pattern,
      status,
      durationMs: performance.now() - startedAt,
      // Who the admission found: none when the IP was refused before any key was looked at.
      caller,
      callerName: caller?.name,
      errorCode: refusal?.code,
    });
  }

  return (request, response) => {
    const startedAt = performance.now();
    const plan = planOf(request);
    if (plan === undefined) return false;
    const failed = (error: unknown) => {
      log.error({ err: error }, 'fast lane failed to answer');
      response.destroy();
    };
    try {
      const admission = admit({
        contract: plan.route.contract,
        ip: plan.ip,
        credential: plan.credential,
        authenticate: () => plan.caller,
      });
      // Answered at once when admission decided from memory; once the store answers otherwise (Redis).
      if (admission instanceof Promise) {
        admission.then((decided) => send(request, response, plan, decided, startedAt)).catch(failed);
      } else {
        send(request, response, plan, admission, startedAt);
      }
    } catch (error) {
      failed(error);
    }
    return true;
  };
}

type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would create (same timeouts), with the lane in
 * front of Fastify's handler.
 */
export function fastLaneServerFactory(lane: FastLane | undefined) {
  return (handler: HttpHandler, options: FastifyServerOptions): Server => {
    const server = createServer(
      lane === undefined
        ? handler
        : (request, response) => {
            if (!lane(request, response)) handler(request, response);
          },
    );
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
