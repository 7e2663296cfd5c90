import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import { SESSION_LIFETIME_MS } from './console-sessions.js';

export const SESSION_COOKIE = 'lunarbit_session';

/** The session token a request's `Cookie` header carries, if any. */
export function sessionTokenOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header === '') return undefined;
  const value = parseCookie(header)[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The session cookie: never readable by scripts, never sent by a request another site starts, and
 * only over HTTPS when the gateway is reached over HTTPS (`PUBLIC_URL` or a trusted proxy says so).
 */
export function sessionCookie(token: string, secure: boolean, maxAgeMs = SESSION_LIFETIME_MS): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value: token,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
  });
}

/** Removes the cookie from the browser (sign-out, or a session that has ended). */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', secure, 0);
}
