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

export type Admit = (request: AdmissionRequest) => Promise<Admission>;

export function createAdmission(deps: AdmissionDeps): Admit {
  const { store, limits, lockout } = deps;

  return async ({ contract, ip, credential, authenticate }) => {
    const { auth, rateGroup, limitIssuance, acceptsToken } = contract;
    const applied: AppliedLimit[] = [];
    if (rateGroup === undefined || rateGroup === 'exempt') return { applied };
    const refused = (limit: AppliedLimit): Admission => {
      applied.push(limit);
      deps.onRejected?.(limit.policy);
      return { applied, refusal: rateLimitExceeded(limit) };
    };
    /** Counts the request against a budget; the refusal when it is spent. */
    const consume = async (policy: string, key: string, max: number, windowMs: number) => {
      const decision = await store.consume(`${policy}:${key}`, max, windowMs);
      if (policy === 'unauthenticated') lockout.observe(key, decision);
      if (!decision.allowed) return refused({ policy, decision });
      applied.push({ policy, decision });
      return undefined;
    };
    const unauthenticated = () =>
      consume('unauthenticated', ip, limits.unauthenticated.max, limits.unauthenticated.windowMs);

    const ipRefusal = await consume('ip', ip, limits.ip.max, limits.ip.windowMs);
    if (ipRefusal) return ipRefusal;
    if (auth === 'public' || auth === undefined) {
      return (rateGroup === 'unauthenticated' && (await unauthenticated())) || { applied };
    }

    const lockedOut = lockout.refusalFor(ip);
    if (lockedOut !== undefined) return refused({ policy: 'unauthenticated', decision: lockedOut });
    if (acceptsToken?.(credential)) return { applied };

    let caller: Caller;
    try {
      caller = await authenticate();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'UNAUTHORIZED')) throw error;
      return (await unauthenticated()) ?? { applied, refusal: error };
    }
    const budgets: [string, string, number, number][] = [];
    if (!caller.isAdmin) {
      budgets.push(['key', caller.id, caller.rateLimit ?? limits.key.max, limits.key.windowMs]);
      if (rateGroup === 'ai') budgets.push(['ai', caller.id, limits.ai.max, limits.ai.windowMs]);
    }
    if (limitIssuance) {
      budgets.push(['key-issuance', caller.id, limits.keyIssuance.max, limits.keyIssuance.windowMs]);
    }
    for (const [policy, key, max, windowMs] of budgets) {
      const refusal = await consume(policy, key, max, windowMs);
      if (refusal) return { ...refusal, caller };
    }
    return { applied, caller };
  };
}
