/**
 * Console sessions. Signing in exchanges a key once for a random session token that only the
 * browser's `HttpOnly` cookie holds; the database keeps its SHA-256, the key it belongs to and the
 * hash of the secret presented. Every request checks that secret through the key verifier (its cache
 * and the invalidation bus), so a session ends at once when its key is revoked, expires or has the
 * secret rotated out, and at the latest 12 hours after sign-in. Writes must carry the session's CSRF
 * token, derived from the session token (`csrfTokenOf`), which the page gets from the sign-in answer
 * or `GET /console/session` and keeps in memory.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { ConsoleSessionsTable, Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import type { EventBus } from '../infra/event-bus.js';
import type { Caller } from '../keys/caller.js';
import type { KeyVerifier } from '../keys/key-verifier.js';

export const SESSION_LIFETIME_MS = 12 * 3_600_000;
export const SESSIONS_ENDED_TOPIC = 'console.sessions.ended';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface ConsoleSession {
  caller: Caller;
  /** SHA-256 of the session token: the session's id in storage. */
  idHash: string;
  csrfToken: string;
  expiresAt: string;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The CSRF token of a session: an HMAC of a fixed label under the session token, never stored. */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('lunarbit-console-csrf').digest('base64url');
}

export function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createConsoleSessions(deps: {
  db: Kysely<Tables>;
  verifier: KeyVerifier;
  bus: EventBus;
  clock: Clock;
  /** How long a session row stays in memory before it is read again (sign-outs also drop it at once). */
  cacheTtlMs: number;
}) {
  const { db, verifier, bus, clock } = deps;
  const cache = new LRUCache<string, { row: ConsoleSessionsTable | undefined; cachedUntil: number }>({
    max: 10_000,
  });

  bus.subscribe(SESSIONS_ENDED_TOPIC, (payload) => {
    const hashes = (payload as { idHashes?: unknown } | undefined)?.idHashes;
    if (Array.isArray(hashes)) for (const hash of hashes) if (typeof hash === 'string') cache.delete(hash);
  });

  async function rowOf(idHash: string): Promise<ConsoleSessionsTable | undefined> {
    const now = clock.now();
    const cached = cache.get(idHash);
    if (cached !== undefined && cached.cachedUntil > now) return cached.row;
    const row = await db
      .selectFrom('console_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    cache.set(idHash, { row, cachedUntil: now + deps.cacheTtlMs });
    return row;
  }

  return {
    /** Opens a session for a presented key; undefined when the key is not valid now. */
    async open(
      presentedKey: string,
    ): Promise<(ConsoleSession & { token: string; lifetimeMs: number }) | undefined> {
      const caller = await verifier.verify(presentedKey);
      if (caller === undefined) return undefined;
      const now = clock.now();
      const token = randomBytes(32).toString('base64url');
      const lifetimeEnd = now + SESSION_LIFETIME_MS;
      const ends = caller.expiresAt === undefined ? lifetimeEnd : Math.min(lifetimeEnd, caller.expiresAt);
      const row: ConsoleSessionsTable = {
        id_hash: sha256Hex(token),
        key_id: caller.id,
        key_hash: verifier.hashOf(presentedKey),
        created_at: isoString(now),
        expires_at: isoString(ends),
      };
      await db.transaction().execute(async (trx) => {
        // Ended sessions are removed as new ones begin: the table holds live sessions only.
        await trx.deleteFrom('console_sessions').where('expires_at', '<=', isoString(now)).execute();
        await trx.insertInto('console_sessions').values(row).execute();
      });
      return {
        token,
        caller,
        idHash: row.id_hash,
        csrfToken: csrfTokenOf(token),
        expiresAt: row.expires_at,
        lifetimeMs: ends - now,
      };
    },

    /** The live session a cookie's token names, with its key's current rights; undefined otherwise. */
    async resolve(token: string): Promise<ConsoleSession | undefined> {
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const idHash = sha256Hex(token);
      const row = await rowOf(idHash);
      if (row === undefined || Date.parse(row.expires_at) <= clock.now()) return undefined;
      const caller = await verifier.verifyHash(row.key_hash);
      if (caller === undefined || caller.id !== row.key_id) return undefined;
      return { caller, idHash, csrfToken: csrfTokenOf(token), expiresAt: row.expires_at };
    },

    /** Signs out: the session ends here at once and on other instances through the bus. */
    async close(idHash: string): Promise<void> {
      await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
      cache.delete(idHash);
      await bus.publish(SESSIONS_ENDED_TOPIC, { idHashes: [idHash] });
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
