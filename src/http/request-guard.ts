/**
 * The router's side of admission (admission.ts): every routed request is admitted in one hook, its
 * rate-limit headers set, its caller recorded and its permissions checked against the route.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../infra/clock.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { Admit } from './admission.js';
import { authenticate, authorize, presentedCredential } from './auth.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';

export interface RequestGuardDeps {
  admit: Admit;
  verifier: KeyVerifier;
  clock: Clock;
}

export function registerRequestGuard(app: FastifyInstance, deps: RequestGuardDeps): void {
  const { admit, verifier, clock } = deps;

  app.decorateRequest('caller', undefined);

  app.addHook('onRequest', async (request, reply) => {
    const contract = request.routeOptions.config;
    if (contract.rateGroup === undefined || contract.rateGroup === 'exempt') return;
    const credential = presentedCredential(request);
    const { applied, caller, refusal } = await admit({
      contract,
      ip: request.ip,
      credential,
      authenticate: () => authenticate(credential, verifier),
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
