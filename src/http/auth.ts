import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { type Caller, hasPermission } from '../keys/caller.js';
import type { KeyVerifier } from '../keys/key-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller on `key` and `admin` routes; undefined on public ones. */
    caller: Caller | undefined;
  }
}

export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'v1-scheme' }
  | { kind: 'unsupported-scheme' }
  | { kind: 'key'; value: string };

/** `Authorization: Bearer <key>` or `X-API-Key: <key>`; keys in query strings are never read. */
export function presentedCredential(request: Pick<FastifyRequest, 'headers'>): PresentedCredential {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization !== '') {
    const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization);
    const scheme = match?.[1]?.toLowerCase();
    if (scheme === 'bearer') return { kind: 'key', value: match![2]! };
    if (scheme === 'apikey') return { kind: 'v1-scheme' };
    return { kind: 'unsupported-scheme' };
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return { kind: 'key', value: header.trim() };
  return { kind: 'none' };
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="LunarBit API"' };

/** The one 401 for missing, malformed, unknown, expired and revoked keys: it must not tell them apart. */
export function unauthorized(): AppError {
  return new AppError(
    'UNAUTHORIZED',
    "Missing or invalid API key. Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
    undefined,
    { headers: CHALLENGE },
  );
}

function v1SchemeRejected(): AppError {
  return new AppError(
    'UNAUTHORIZED',
    "The 'Authorization: ApiKey <key>' form belongs to API v1. API v2 expects 'Authorization: Bearer <key>' (v1 keys do not work with v2).",
    undefined,
    { headers: CHALLENGE },
  );
}

/** Resolves the caller of a presented credential, or throws the 401 every invalid credential gets. */
export async function authenticate(credential: PresentedCredential, verifier: KeyVerifier): Promise<Caller> {
  if (credential.kind === 'v1-scheme') throw v1SchemeRejected();
  const caller = credential.kind === 'key' ? await verifier.verify(credential.value) : undefined;
  if (caller === undefined) throw unauthorized();
  return caller;
}

/** Throws 403 when the caller lacks what the route declares. */
export function authorize(request: FastifyRequest, caller: Caller): void {
  const { auth, permission, orPermission } = request.routeOptions.config;
  if (auth === 'admin' && !caller.isAdmin) {
    throw new AppError('FORBIDDEN', 'This operation needs the admin key');
  }
  if (permission === undefined || hasPermission(caller, permission)) return;
  if (orPermission !== undefined) {
    if (hasPermission(caller, orPermission)) return;
    throw new AppError('FORBIDDEN', `This key lacks the ${permission} or the ${orPermission} permission`, {
      permission,
    });
  }
  throw new AppError('FORBIDDEN', `This key lacks the ${permission} permission`, { permission });
}
