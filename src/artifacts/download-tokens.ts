/**
 * Download tokens: how a client that cannot send headers (Squirrel, Sparkle, Tauri's downloader)
 * downloads what a feed answered to a key offered it. A feed or update answer for a project without
 * `public_feeds` appends `?token=<expires>.<key id>.<HMAC>` to its download links. The token names
 * the key and the project and nothing else: the download route checks it, then checks that the key
 * is still valid and may see the project, so a revoked key's links stop working at once and a token
 * never opens another project. The expiry is rounded up to the hour so that one token serves every
 * answer of that hour (feed bodies are memoised), and a link read today still works tomorrow.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../infra/clock.js';

const HOUR_S = 3600;
const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/;

export type TokenCheck = { kind: 'valid'; callerId: string } | { kind: 'invalid' } | { kind: 'expired' };

export function createDownloadTokens(deps: { secret: string; clock: Clock; ttlMs: number }) {
  const { secret, clock, ttlMs } = deps;
  const mac = (projectId: string, callerId: string, expires: number) =>
    createHmac('sha256', secret)
      .update(JSON.stringify(['download-token', projectId, callerId, expires]))
      .digest();

  return {
    issue(callerId: string, projectId: string): string {
      const expires = Math.ceil((clock.now() + ttlMs) / 1000 / HOUR_S) * HOUR_S;
      const id = Buffer.from(callerId).toString('base64url');
      return `${expires}.${id}.${mac(projectId, callerId, expires).toString('base64url')}`;
    },

    /** The signature is checked first (in constant time), so an altered expiry reads as tampering. */
    check(token: string, projectId: string): TokenCheck {
      const parts = TOKEN.exec(token);
      if (parts === null) return { kind: 'invalid' };
      const expires = Number(parts[1]);
      const callerId = Buffer.from(parts[2]!, 'base64url').toString();
      const expected = mac(projectId, callerId, expires);
      const given = Buffer.from(parts[3]!, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
      return clock.now() > expires * 1000 ? { kind: 'expired' } : { kind: 'valid', callerId };
    },
  };
}

export type DownloadTokens = ReturnType<typeof createDownloadTokens>;
