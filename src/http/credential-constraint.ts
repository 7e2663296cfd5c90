/**
 * Routes that answer both with and without a key (native feeds, download links) are registered
 * twice, told apart by whether the request presents credentials — a router constraint, so that the
 * request guard sees the right declaration:
 * - with a key: the keyed variant, guarded and limited like every keyed route;
 * - without: the public variant, limited by the unauthenticated IP budget; its handler decides
 *   what it may serve (a project with `public_feeds`, a valid download token).
 */
import type { FastifyInstance } from 'fastify';
import { presentedCredential } from './auth.js';
import type { RouteContract } from './route-contract.js';

const CONSTRAINT = 'credentials';

const credentialStrategy = {
  name: CONSTRAINT,
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, handler: unknown) => {
        handlers.set(value, handler);
      },
    };
  },
  deriveConstraint: (request: { headers: Record<string, string | string[] | undefined> }) =>
    presentedCredential(request as never).kind === 'none' ? 'none' : 'presented',
  // Other routes declare no such constraint and must keep matching every request.
  mustMatchWhenDerived: false,
};

export interface CredentialVariant {
  config: RouteContract;
  constraints: Record<string, string>;
  /** The public variant is left out of the OpenAPI document: the keyed one documents the path. */
  hide: boolean;
  keyed: boolean;
}

/** The two registrations of a path; call once per plugin instance before registering them. */
export function credentialVariants(instance: FastifyInstance, keyed: RouteContract): CredentialVariant[] {
  if (!instance.hasConstraintStrategy(CONSTRAINT))
    instance.addConstraintStrategy(credentialStrategy as never);
  return [
    { config: keyed, constraints: { [CONSTRAINT]: 'presented' }, hide: false, keyed: true },
    {
      config: { auth: 'public', rateGroup: 'unauthenticated' },
      constraints: { [CONSTRAINT]: 'none' },
      hide: true,
      keyed: false,
    },
  ];
}
