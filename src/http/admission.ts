/**
 * Admission: who may make a request, and whether its budgets allow it. The one implementation of
 * authentication and rate limiting, called by the router's guard (request-guard.ts) and by the
 * update-check dispatcher (fast-lane.ts) alike, in this order so that cheap requests stay cheap:
 *
 * 1. exempt routes (`/health`, `/ready`) pass untouched;
 * 2. the client IP's budget (`ip`), for every other request;
 * 3. public routes: the unauthenticated budget too when they declare that group;
 * 4. guarded routes: credentials. Invalid ones count against the IP's unauthenticated budget
 *    (401 while it lasts). Once it is spent, every request from that IP that needs credentials gets
 *    429 before any key is looked at, valid keys included, until the budget allows one more request:
 *    a guesser learns nothing from the answers (see guessing-lockout.ts). A route may accept a token
 *    that is not a key (`acceptsToken`, the metrics token) under the same rules;
 * 5. valid keys: the key's budget (its own `rateLimit`, else the default; the admin key has none),
 *    the AI budget on AI routes, the issuance budget on key creation and rotation.
 *
 * Permissions are the caller's to check against the route (auth.ts `authorize`). Every answer
 * carries the headers of the most restrictive limit that applied (`applied`).
 */
import type { RateLimitsConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { Caller } from '../keys/caller.js';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.js';
import type { PresentedCredential } from './auth.js';
import type { GuessingLockout } from './guessing-lockout.js';
import { type AppliedLimit, rateLimitExceeded } from './rate-limit-headers.js';
import type { RouteContract } from './route-contract.js';

export interface AdmissionDeps {
  store: RateLimitStore;
  limits: RateLimitsConfig;
  lockout: GuessingLockout;
  /** Counts rejections per policy (metrics). */
  onRejected?: (policy: string) => void;
}

export interface AdmissionRequest {
  contract: Partial<Pick<RouteContract, 'auth' | 'rateGroup' | 'limitIssuance' | 'acceptsToken'>>;
  ip: string;
  credential: PresentedCredential;
  /** The caller of the credential, or the 401 (an AppError) it gets. */
  authenticate: () => Caller | Promise<Caller>;
}

/** What was decided: the limits that applied, the caller (guarded routes), or why it is refused. */
export interface Admission {
  applied: AppliedLimit[];
  caller?: Caller;
  refusal?: AppError;
}

/**
 * Decides at once while the store and the authentication answer from memory (the usual case on
 * one instance with a cached key); a promise only when one of them has to wait (Redis, a key
 * looked up in the database). Throws (or rejects) only with what `authenticate` throws that is
 * not a 401.
 */
export type Admit = (request: AdmissionRequest) => Admission | Promise<Admission>;

type Pending<T> = T | Promise<T>;

/** `next(value)` now when the value is at hand, else once it settles. */
function after<T, R>(value: Pending<T>, next: (value: T) => Pending<R>): Pending<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

export function createAdmission(deps: AdmissionDeps): Admit {
  const { store, limits, lockout } = deps;

  function refused(applied: AppliedLimit[], limit: AppliedLimit): Admission {
    applied.push(limit);
    deps.onRejected?.(limit.policy);
    return { applied, refusal: rateLimitExceeded(limit) };
  }

  /** Counts the request against a budget; the refusal when it is spent. */
  function consume(
    applied: AppliedLimit[],
    policy: string,
    key: string,
    max: number,
    windowMs: number,
  ): Pending<Admission | undefined> {
    return after(store.consume(`${policy}:${key}`, max, windowMs), (decision) => {
      if (policy === 'unauthenticated') lockout.observe(key, decision);
      if (!decision.allowed) return refused(applied, { policy, decision });
      applied.push({ policy, decision });
      return undefined;
    });
  }

  const unauthenticated = (applied: AppliedLimit[], ip: string) =>
    consume(applied, 'unauthenticated', ip, limits.unauthenticated.max, limits.unauthenticated.windowMs);

  /** A failed authentication: 401 while the IP's unauthenticated budget lasts. */
  function unauthorized(applied: AppliedLimit[], ip: string, error: unknown): Pending<Admission> {
    if (!(error instanceof AppError && error.code === 'UNAUTHORIZED')) throw error;
    return after(unauthenticated(applied, ip), (refusal) => refusal ?? { applied, refusal: error });
  }

  /** The caller's budgets in turn: its key's, the AI budget on AI routes, issuance on key creation. */
  function withCaller(
    request: AdmissionRequest,
    applied: AppliedLimit[],
    caller: Caller,
  ): Pending<Admission> {
    const { rateGroup, limitIssuance } = request.contract;
    const issuance = (): Pending<Admission> =>
      limitIssuance
        ? after(
            consume(applied, 'key-issuance', caller.id, limits.keyIssuance.max, limits.keyIssuance.windowMs),
            (refusal) => (refusal ? { ...refusal, caller } : { applied, caller }),
          )
        : { applied, caller };
    if (caller.isAdmin) return issuance();
    const keyMax = caller.rateLimit ?? limits.key.max;
    return after(consume(applied, 'key', caller.id, keyMax, limits.key.windowMs), (refusal) => {
      if (refusal) return { ...refusal, caller };
      if (rateGroup !== 'ai') return issuance();
      return after(consume(applied, 'ai', caller.id, limits.ai.max, limits.ai.windowMs), (aiRefusal) =>
        aiRefusal ? { ...aiRefusal, caller } : issuance(),
      );
    });
  }

  /** After the IP's budget allowed the request. */
  function afterIp(request: AdmissionRequest, applied: AppliedLimit[]): Pending<Admission> {
    const { contract, ip, credential } = request;
    if (contract.auth === 'public' || contract.auth === undefined) {
      if (contract.rateGroup !== 'unauthenticated') return { applied };
      return after(unauthenticated(applied, ip), (refusal) => refusal ?? { applied });
    }
    const lockedOut = lockout.refusalFor(ip);
    if (lockedOut !== undefined) return refused(applied, { policy: 'unauthenticated', decision: lockedOut });
    if (contract.acceptsToken?.(credential)) return { applied };
    let caller: Pending<Caller>;
    try {
      caller = request.authenticate();
    } catch (error) {
      return unauthorized(applied, ip, error);
    }
    return caller instanceof Promise
      ? caller.then(
          (found) => withCaller(request, applied, found),
          (error: unknown) => unauthorized(applied, ip, error),
        )
      : withCaller(request, applied, caller);
  }

  return (request) => {
    const { rateGroup } = request.contract;
    const applied: AppliedLimit[] = [];
    if (rateGroup === undefined || rateGroup === 'exempt') return { applied };
    return after(
      consume(applied, 'ip', request.ip, limits.ip.max, limits.ip.windowMs),
      (refusal) => refusal ?? afterIp(request, applied),
    );
  };
}
