/**
 * The fast lane: the hottest read routes (update checks) answered straight from the HTTP server,
 * before Fastify's per-request machinery. Fastify's routing, hooks and reply objects cost several
 * times what a memoised update answer does; the lane does the same work with none of them.
 *
 * A lane route answers only what it can answer from memory exactly as Fastify would: a valid key
 * whose verification is cached, a route match with well-formed input, a warm snapshot and a
 * serialised body. Everything else (errors, cold caches, CORS requests, HEAD, percent-encoded
 * queries, request bodies, shutdown) is handed to Fastify before any side effect, so behaviour stays in one place.
 * A request rejected by a rate limit is handed over too; the only trace it leaves is that the IP
 * budget was counted for it if the key budget was the one exhausted.
 *
 * What the lane does for a request it answers matches the Fastify path: the IP and key budgets,
 * the security, request-id and rate-limit headers, key usage, metrics and one log line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { RateLimitsConfig } from '../config.js';
import type { Clock } from '../infra/clock.js';
import { type Caller, hasPermission } from '../keys/caller.js';
import type { KeyUsageTracker } from '../keys/key-usage.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { Permission } from '../keys/permissions.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.js';
import { stripApiPrefix } from './api-prefix.js';
import { presentedCredential } from './auth.js';
import { recordIpDecision } from './counted-ip.js';
import type { GuessingLockout } from './guessing-lockout.js';
import { type AppliedLimit, type HeaderSink, setRateLimitHeaders } from './rate-limit-headers.js';
import { requestIdOf } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** A lane route's answer: its body and headers. */
export interface FastAnswer {
  body: string;
  headers: Readonly<Record<string, string>>;
}

export interface FastLaneRoute {
  /** The route's pattern as Fastify names it (metrics and logs). */
  pattern: string;
  /** The permission the route declares to Fastify. */
  permission: Permission;
  /** Whether the path is this route's: checked before any key is verified. */
  matches(path: string): boolean;
  /** The answer from memory, or undefined to hand the request to Fastify. Must have no side effects. */
  answer(path: string, query: string, request: IncomingMessage, caller: Caller): FastAnswer | undefined;
}

export interface FastLaneDeps {
  verifier: KeyVerifier;
  store: RateLimitStore;
  lockout: GuessingLockout;
  limits: RateLimitsConfig;
  clock: Clock;
  metrics: Metrics;
  usage: KeyUsageTracker;
  /** For failures (redacted). */
  log: FastifyBaseLogger;
  /** For the line per request, shared with the router's (`request-logging.ts`). */
  accessLog: FastifyBaseLogger;
  clientIp: (request: IncomingMessage) => string | undefined;
  isShuttingDown: () => boolean;
  routes: readonly FastLaneRoute[];
}

/** Handles a request and returns true, or returns false at once for Fastify to handle it. */
export type FastLane = (request: IncomingMessage, response: ServerResponse, fallback: () => void) => boolean;

/** Requests the lane answered, under `lunarbit_cache_lookups_total` (the rest went to Fastify). */
const LANE_ANSWERED = { cache: 'fast-lane', result: 'hit' } as const;

function headerSink(headers: Record<string, string | number>): HeaderSink {
  return {
    header: (name, value) => {
      headers[name] = value;
    },
  };
}

export function createFastLane(deps: FastLaneDeps): FastLane {
  const { verifier, store, lockout, limits, clock, metrics, usage, log, accessLog } = deps;

  function planOf(request: IncomingMessage) {
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
    if (caller === undefined || caller.isAdmin || !hasPermission(caller, route.permission)) return;
    const answer = route.answer(path, query, request, caller);
    return answer === undefined ? undefined : { caller, answer, counters: countersOf.get(route)! };
  }

  // prom-client hashes label sets on every call; children bound once per route skip that.
  const countersOf = new Map(
    deps.routes.map((route) => {
      const labels = { method: 'GET', route: route.pattern, status: '200' };
      const counters = {
        requests: metrics.httpRequests.labels(labels),
        duration: metrics.httpDuration.labels(labels),
        answered: metrics.cacheLookups.labels(LANE_ANSWERED),
        pattern: route.pattern,
      };
      return [route, counters] as const;
    }),
  );
  type Plan = NonNullable<ReturnType<typeof planOf>>;

  async function consumeLimits(
    request: IncomingMessage,
    ip: string,
    caller: Caller,
  ): Promise<AppliedLimit[] | undefined> {
    // A refusal is answered by the router, which must not count the request against the IP again.
    const ipDecision = await store.consume(`ip:${ip}`, limits.ip.max, limits.ip.windowMs);
    if (!ipDecision.allowed) {
      recordIpDecision(request, ipDecision);
      return undefined;
    }
    const max = caller.rateLimit ?? limits.key.max;
    const keyDecision = await store.consume(`key:${caller.id}`, max, limits.key.windowMs);
    if (!keyDecision.allowed) {
      recordIpDecision(request, ipDecision);
      return undefined;
    }
    return [
      { policy: 'ip', decision: ipDecision },
      { policy: 'key', decision: keyDecision },
    ];
  }

  function send(
    request: IncomingMessage,
    response: ServerResponse,
    plan: Plan,
    applied: AppliedLimit[],
    startedAt: number,
  ): void {
    const requestId = requestIdOf(request);
    // Built key by key: a spread of a constant into a larger object literal gave an object that
    // node:http serialised at half the speed (measured with autocannon against node:http).
    const headers: Record<string, string | number> = {};
    for (const name in SECURITY_HEADERS) headers[name] = SECURITY_HEADERS[name]!;
    headers['x-request-id'] = requestId;
    setRateLimitHeaders(headerSink(headers), applied, clock.now());
    for (const name in plan.answer.headers) headers[name] = plan.answer.headers[name]!;
    headers.vary = 'Origin';
    headers['content-length'] = Buffer.byteLength(plan.answer.body);
    response.writeHead(200, headers);
    response.end(plan.answer.body);

    const durationMs = performance.now() - startedAt;
    const { counters } = plan;
    counters.requests.inc();
    counters.duration.observe(durationMs / 1000);
    counters.answered.inc();
    usage.recordRequest(plan.caller.id, false, durationMs);
    accessLog.info(
      {
        requestId,
        method: 'GET',
        route: counters.pattern,
        status: 200,
        durationMs: Math.round(durationMs * 100) / 100,
        caller: plan.caller.name,
      },
      'request completed',
    );
  }

  async function answerFromLane(
    request: IncomingMessage,
    response: ServerResponse,
    plan: Plan,
    ip: string,
    startedAt: number,
    fallback: () => void,
  ): Promise<void> {
    let applied: AppliedLimit[] | undefined;
    try {
      applied = await consumeLimits(request, ip, plan.caller);
    } catch (error) {
      log.error({ err: error }, 'fast lane could not count rate limits; handing the request to the router');
    }
    if (applied === undefined) return fallback();
    send(request, response, plan, applied, startedAt);
  }

  return (request, response, fallback) => {
    const startedAt = performance.now();
    const plan = planOf(request);
    const ip = plan && deps.clientIp(request);
    // A locked-out IP is refused by the router's guard.
    if (plan === undefined || ip === undefined || lockout.refusalFor(ip) !== undefined) return false;
    answerFromLane(request, response, plan, ip, startedAt, fallback).catch((error: unknown) => {
      log.error({ err: error }, 'fast lane failed to answer');
      response.destroy();
    });
    return true;
  };
}

/** Where the composition root puts the lane once the services it reads exist. */
export interface FastLaneSlot {
  lane: FastLane | undefined;
}

type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Fastify's `serverFactory`: the HTTP server Fastify would create (same timeouts), with the lane in
 * front of Fastify's handler.
 */
export function fastLaneServerFactory(slot: FastLaneSlot) {
  return (handler: HttpHandler, options: FastifyServerOptions): Server => {
    const server = createServer((request, response) => {
      const lane = slot.lane;
      if (lane === undefined || !lane(request, response, () => handler(request, response))) {
        handler(request, response);
      }
    });
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
