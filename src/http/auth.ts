import type { FastifyRequest } from 'fastify';
import { type ConsoleSession, sameToken } from '../console/console-sessions.js';
import { AppError } from '../errors.js';
import { type Caller, hasPermission } from '../keys/caller.js';
import type { KeyVerifier } from '../keys/key-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller on `key` and `admin` routes; undefined on public ones. */
    caller: Caller | undefined;
    /** The console session that authenticated the request, when a session cookie did. */
    consoleSession: ConsoleSession | undefined;
  }
}

/** Console sessions as the request guard sees them (`console/console-sessions.ts`). */
export interface SessionCredentials {
  /** The session token in the request's cookie, if any. */
  tokenOf(request: FastifyRequest): string | undefined;
  resolve(token: string): Promise<ConsoleSession | undefined>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates a request by its console session. A write must carry the session's CSRF token in
 * `X-CSRF-Token`: a page of another site can make the browser send the cookie (where SameSite does
 * not stop it) but cannot read the token.
 */
export async function authenticateSession(
  request: FastifyRequest,
  sessions: SessionCredentials,
): Promise<ConsoleSession> {
  const token = sessions.tokenOf(request);
  const session = token === undefined ? undefined : await sessions.resolve(token);
  if (session === undefined) {
    throw new AppError(
      'UNAUTHORIZED',
      'No console session, or it has ended (signed out, 12 hours passed, or its key was revoked, rotated or expired). Sign in again.',
      undefined,
      { headers: CHALLENGE },
    );
  }
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers['x-csrf-token'];
    if (!sameToken(typeof presented === 'string' ? presented : undefined, session.csrfToken)) {
      throw new AppError('FORBIDDEN', 'A write of a console session needs its CSRF token in X-CSRF-Token', {
        reason: 'csrf',
      });
    }
  }
  return session;
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
