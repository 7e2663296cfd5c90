/**
 * HTTP Range and conditional-request rules for serving files (RFC 9110 §13, §14), as pure
 * functions. One range per request is served; a multi-range request gets the whole file, which
 * the RFC allows and every download manager handles.
 */
import type { ByteRange } from './artifacts-storage.js';

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  | { kind: 'unsatisfiable' };

/** Decides what to send for a `Range` header; malformed headers are ignored, as the RFC says. */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (match === null) return { kind: 'full' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', range: { start, end } };
}

const strongTags = (header: string) =>
  header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');

const weakEquals = (a: string, b: string) => a.replace(/^W\//, '') === b.replace(/^W\//, '');

/** True when the client's cached copy is current (answer 304). */
export function isNotModified(
  headers: { 'if-none-match'?: string; 'if-modified-since'?: string },
  etag: string,
  lastModifiedMs: number,
): boolean {
  const noneMatch = headers['if-none-match'];
  if (noneMatch !== undefined) {
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
    return strongTags(noneMatch).some((tag) => tag === '*' || weakEquals(tag, etag));
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Math.floor(lastModifiedMs / 1000) * 1000 <= since;
}

/** True when a `Range` may be honoured: no `If-Range`, or it still names this exact file. */
export function ifRangeMatches(ifRange: string | undefined, etag: string, lastModifiedMs: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  // Ranges combine only with strong validators: a weak tag never matches.
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && Math.floor(lastModifiedMs / 1000) * 1000 === date;
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
