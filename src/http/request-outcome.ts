/**
 * What every answered request leaves behind, in one place whichever path served it: the access-log
 * line, the request metrics and the key's usage count. The router records it from one `onResponse`
 * hook (and for requests whose client left first, with status 499); the update-check dispatcher
 * (fast-lane.ts) records it after writing its answer.
 *
 * The line names the route pattern, never the query string (which may carry client ids), and the
 * caller's key name, never the key. Error answers (4xx and 5xx alike) name their code as
 * `LC_ERR_<CODE>`, so a log search finds every 404 or 429. The admin key is not a record: its
 * requests are counted under `admin` in the usage series only (no daily totals, no last use).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, lunarCoreName } from '../errors.js';
import type { WriteAccessLine } from '../infra/logger.js';
import type { Caller } from '../keys/caller.js';
import type { KeyUsageTracker } from '../keys/key-usage.js';
import { boundChildren, type Metrics } from '../metrics/metrics.js';
import { type AbandonedRequestHandler, CLIENT_CLOSED_REQUEST } from './abandoned-requests.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the authenticated key (or `admin`), for logs; set by the guard. */
    callerName: string | undefined;
    /** The code of the error envelope answered, if any; set by the error handler. */
    errorCode: ErrorCode | undefined;
  }
}

export interface RequestOutcome {
  requestId: string;
  method: string;
  /** The route pattern (`unmatched` when no route matched). */
  route: string;
  status: number;
  durationMs: number;
  caller: Caller | undefined;
  callerName: string | undefined;
  errorCode: ErrorCode | undefined;
}

export type RecordOutcome = (outcome: RequestOutcome) => void;

export function createOutcomeRecorder(deps: {
  metrics: Metrics;
  usage: KeyUsageTracker;
  writeAccessLine: WriteAccessLine;
}): RecordOutcome {
  const { metrics, usage, writeAccessLine } = deps;
  const childrenOf = boundChildren((method: string, route: string, status: number) => {
    const labels = { method, route, status: String(status) };
    return { requests: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
  });
  return (outcome) => {
    const children = childrenOf(outcome.method, outcome.route, outcome.status);
    children.requests.inc();
    children.duration.observe(outcome.durationMs / 1000);
    if (outcome.caller !== undefined) {
      usage.recordRequest(outcome.caller.id, outcome.status >= 400, outcome.durationMs);
    }
    writeAccessLine({
      requestId: outcome.requestId,
      method: outcome.method,
      route: outcome.route,
      status: outcome.status,
      durationMs: Math.round(outcome.durationMs * 100) / 100,
      caller: outcome.callerName ?? null,
      ...(outcome.errorCode === undefined ? {} : { code: lunarCoreName(outcome.errorCode) }),
    });
  };
}

/** The router's requests: recorded once answered, or with status 499 when their client left first. */
export function registerOutcomeRecording(
  app: FastifyInstance,
  record: RecordOutcome,
  onAbandoned: (handler: AbandonedRequestHandler) => void,
): void {
  app.decorateRequest('callerName', undefined);
  app.decorateRequest('errorCode', undefined);
  const recordRouted = (request: FastifyRequest, reply: FastifyReply, status: number) =>
    record({
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status,
      durationMs: reply.elapsedTime,
      caller: request.caller,
      callerName: request.callerName,
      errorCode: request.errorCode,
    });
  app.addHook('onResponse', (request, reply, done) => {
    recordRouted(request, reply, reply.statusCode);
    done();
  });
  onAbandoned((request, reply) => recordRouted(request, reply, CLIENT_CLOSED_REQUEST));
}
