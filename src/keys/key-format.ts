/**
 * API key format: `lbapi_` + 32 lowercase hex characters (128 bits from a CSPRNG) + 6 base62
 * characters of the CRC32 of those 32 characters. The checksum lets the gateway reject garbage
 * before any lookup and lets secret scanners recognise leaked keys. Only the SHA-256 of the whole
 * key is ever stored.
 */
import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_PREFIX = 'lbapi_';
const SECRET_HEX_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX.length + SECRET_HEX_LENGTH + CHECKSUM_LENGTH;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_SHAPE = /^lbapi_[0-9a-f]{32}[0-9A-Za-z]{6}$/;

/** Base62 of a 32-bit unsigned integer, left-padded to 6 characters (62^6 > 2^32). */
export function base62Checksum(secretHex: string): string {
  let value = crc32(secretHex) >>> 0;
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateApiKey(random: (size: number) => Buffer = randomBytes): string {
  const secretHex = random(SECRET_HEX_LENGTH / 2).toString('hex');
  return `${KEY_PREFIX}${secretHex}${base62Checksum(secretHex)}`;
}

/** True when the candidate has the right prefix, length, alphabet and checksum. No lookup needed. */
export function isWellFormedApiKey(candidate: string): boolean {
  if (candidate.length !== KEY_LENGTH || !KEY_SHAPE.test(candidate)) return false;
  const secretHex = candidate.slice(KEY_PREFIX.length, KEY_PREFIX.length + SECRET_HEX_LENGTH);
  return candidate.endsWith(base62Checksum(secretHex));
}

export function hashApiKey(key: string): string {
  // One-shot digest: no Hash object per call (this runs on every keyed request).
  return hash('sha256', key, 'hex');
}

/** What listings show: the prefix and the first 8 secret characters, e.g. `lbapi_a1b2c3d4…`. */
export function maskApiKey(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 8)}…`;
}
