/**
 * The graceful drain on SIGTERM/SIGINT. From its start the gateway takes no new work: every request
 * but the probes is answered 503 `SERVICE_UNAVAILABLE` (`details.reason: shutting_down`) with
 * `Retry-After` and `Connection: close`, on open keep-alive connections and new ones alike, while
 * `/ready` answers 503 and `/health` keeps answering, so a load balancer sees the instance leave.
 * Requests already running finish, until none is left or the deadline comes; at the deadline the
 * AI calls still running are ended (streams with an error event) and given a moment to flush.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Time the streams ended at the deadline get to send their last frames. */
export const STREAM_END_GRACE_MS = 2_000;

export type DrainOutcome = 'idle' | 'deadline';

export interface Drain {
  readonly draining: boolean;
  /** Aborted when the drain's deadline comes: AI calls still running end (streams with an error event). */
  readonly deadline: AbortSignal;
  /** Stops taking new work (probes excepted). */
  begin(): void;
  /**
   * Begins, then waits until no request is in flight or `timeoutMs` passed; at the deadline aborts
   * `deadline` and waits up to `graceMs` more for the requests it ended.
   */
  run(timeoutMs: number, graceMs?: number): Promise<DrainOutcome>;
  /** Counts a request in flight; the returned function ends it (once). */
  track(): () => void;
}

export function shuttingDownError(): AppError {
  return new AppError(
    'SERVICE_UNAVAILABLE',
    'The gateway is shutting down; send the request again on a new connection',
    { reason: 'shutting_down' },
    { headers: { 'retry-after': '1', connection: 'close' } },
  );
}

export function createDrain(): Drain {
  let draining = false;
  let inFlight = 0;
  const deadline = new AbortController();
  let idleWaiters: (() => void)[] = [];

  function idleWithin(ms: number): Promise<boolean> {
    if (inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  return {
    get draining() {
      return draining;
    },
    deadline: deadline.signal,
    begin() {
      draining = true;
    },
    track() {
      inFlight += 1;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight -= 1;
        if (inFlight > 0) return;
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
      };
    },
    async run(timeoutMs, graceMs = STREAM_END_GRACE_MS) {
      draining = true;
      if (await idleWithin(timeoutMs)) return 'idle';
      deadline.abort();
      await idleWithin(graceMs);
      return 'deadline';
    },
  };
}

/** Counts requests in flight and, while draining, refuses all but the probes (`rateGroup: 'exempt'`). */
export function registerDrain(app: FastifyInstance, drain: Drain): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', drain.track());
    if (drain.draining && request.routeOptions.config.rateGroup !== 'exempt') done(shuttingDownError());
    else done();
  });
}

/** Documents the drain's 503 on every route that may answer it (all but the probes). */
export function withDrainAnswer<T extends object>(schema: T | undefined, rateGroup: string | undefined) {
  if (schema === undefined || rateGroup === 'exempt') return schema;
  const response = (schema as { response?: Record<string, unknown> }).response;
  if (response === undefined || response[503] !== undefined) return schema;
  const answer = {
    $ref: 'ErrorEnvelope#',
    description: 'The gateway is shutting down (SERVICE_UNAVAILABLE)',
  };
  return { ...schema, response: { ...response, 503: answer } };
}
