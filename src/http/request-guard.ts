/**
 * The router's side of admission (admission.ts): every routed request is admitted in one hook, its
 * rate-limit headers set, its caller recorded and its permissions checked against the route.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../infra/clock.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { Admit } from './admission.js';
import {
  authenticate,
  authenticateSession,
  authorize,
  presentedCredential,
  type SessionCredentials,
} from './auth.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';

export interface RequestGuardDeps {
  admit: Admit;
  verifier: KeyVerifier;
  clock: Clock;
  /** Console sessions (cookies), taken by `session` routes and, without a key, by guarded ones. */
  sessions: SessionCredentials;
}

export function registerRequestGuard(app: FastifyInstance, deps: RequestGuardDeps): void {
  const { admit, verifier, clock } = deps;

  app.decorateRequest('caller', undefined);
  app.decorateRequest('consoleSession', undefined);

  /** `session` routes take only a session; others take one when no key header is sent. */
  const bySession = (request: FastifyRequest, credential: string) =>
    request.routeOptions.config.auth === 'session' ||
    (credential === 'none' && deps.sessions.tokenOf(request) !== undefined);

  app.addHook('onRequest', async (request, reply) => {
    const contract = request.routeOptions.config;
    if (contract.rateGroup === undefined || contract.rateGroup === 'exempt') return;
    const credential = presentedCredential(request);
    const { applied, caller, refusal } = await admit({
      contract,
      ip: request.ip,
      credential,
      authenticate: bySession(request, credential.kind)
        ? async () => {
            const session = await authenticateSession(request, deps.sessions);
            request.consoleSession = session;
            return session.caller;
          }
        : () => authenticate(credential, verifier),
    });
    setRateLimitHeaders(reply, applied, clock.now());
    if (caller !== undefined) {
      request.caller = caller;
      request.callerName = caller.name;
    }
    if (refusal !== undefined) throw refusal;
    if (caller !== undefined) authorize(request, caller);
  });
}
