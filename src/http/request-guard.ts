/**
 * Authentication, authorisation and rate limiting of every request, in one hook so that the order is
 * explicit and cheap requests stay cheap:
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
 *    the AI budget on AI routes, the issuance budget on key creation and rotation; then permissions.
 *
 * Every limited response carries the headers of the most restrictive limit that applied.
 */
import type { FastifyInstance } from 'fastify';
import type { RateLimitsConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';
import type { Caller } from '../keys/caller.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.js';
import {
  authenticate,
  authenticateSession,
  authorize,
  presentedCredential,
  type SessionCredentials,
} from './auth.js';
import { takeIpDecision } from './counted-ip.js';
import type { GuessingLockout } from './guessing-lockout.js';
import { type AppliedLimit, rateLimitExceeded, setRateLimitHeaders } from './rate-limit-headers.js';

export interface RequestGuardDeps {
  verifier: KeyVerifier;
  store: RateLimitStore;
  limits: RateLimitsConfig;
  clock: Clock;
  lockout: GuessingLockout;
  /** Console sessions (cookies), taken by `session` routes and, without a key, by guarded ones. */
  sessions: SessionCredentials;
  /** Counts rejections per policy (metrics). */
  onRejected?: (policy: string) => void;
}

export function registerRequestGuard(app: FastifyInstance, deps: RequestGuardDeps): void {
  const { verifier, store, limits, clock, lockout } = deps;

  app.decorateRequest('caller', undefined);
  app.decorateRequest('consoleSession', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const { auth, rateGroup, limitIssuance, acceptsToken } = request.routeOptions.config;
    if (rateGroup === undefined || rateGroup === 'exempt') return;
    const applied: AppliedLimit[] = [];
    // The fast lane may have counted this request against the IP already before handing it over.
    const countedIp = takeIpDecision(request.raw);
    const refuse = (limit: AppliedLimit) => {
      applied.push(limit);
      setRateLimitHeaders(reply, applied, clock.now());
      deps.onRejected?.(limit.policy);
      return rateLimitExceeded(limit);
    };
    const consume = async (policy: string, key: string, max: number, windowMs: number) => {
      const decision =
        policy === 'ip' && countedIp !== undefined
          ? countedIp
          : await store.consume(`${policy}:${key}`, max, windowMs);
      if (policy === 'unauthenticated') lockout.observe(key, decision);
      if (!decision.allowed) throw refuse({ policy, decision });
      applied.push({ policy, decision });
    };
    const ip = request.ip;

    await consume('ip', ip, limits.ip.max, limits.ip.windowMs);
    if (auth === 'public' || auth === undefined) {
      if (rateGroup === 'unauthenticated') {
        await consume('unauthenticated', ip, limits.unauthenticated.max, limits.unauthenticated.windowMs);
      }
      setRateLimitHeaders(reply, applied, clock.now());
      return;
    }

    const lockedOut = lockout.refusalFor(ip);
    if (lockedOut !== undefined) throw refuse({ policy: 'unauthenticated', decision: lockedOut });
    if (acceptsToken?.(presentedCredential(request))) {
      setRateLimitHeaders(reply, applied, clock.now());
      return;
    }

    const countFailure = async () => {
      await consume('unauthenticated', ip, limits.unauthenticated.max, limits.unauthenticated.windowMs);
      setRateLimitHeaders(reply, applied, clock.now());
    };
    const bySession =
      auth === 'session' ||
      (presentedCredential(request).kind === 'none' && deps.sessions.tokenOf(request) !== undefined);
    let caller: Caller;
    if (bySession) {
      const session = await countingFailure(() => authenticateSession(request, deps.sessions), countFailure);
      request.consoleSession = session;
      caller = session.caller;
    } else {
      caller = await countingFailure(() => authenticate(request, verifier), countFailure);
    }
    request.caller = caller;
    request.callerName = caller.name;

    if (!caller.isAdmin) {
      await consume('key', caller.id, caller.rateLimit ?? limits.key.max, limits.key.windowMs);
      if (rateGroup === 'ai') await consume('ai', caller.id, limits.ai.max, limits.ai.windowMs);
    }
    if (limitIssuance) {
      await consume('key-issuance', caller.id, limits.keyIssuance.max, limits.keyIssuance.windowMs);
    }
    setRateLimitHeaders(reply, applied, clock.now());
    authorize(request, caller);
  });
}

/** Authenticates; on failure runs `onFailure` (which may throw a 429) before rethrowing the 401. */
async function countingFailure<T>(attempt: () => Promise<T>, onFailure: () => Promise<void>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHORIZED') await onFailure();
    throw error;
  }
}
