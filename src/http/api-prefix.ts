/**
 * Every route is served at the root and under `/api/v2`. Rewriting the URL before routing keeps one
 * route table and one handler per route instead of registering everything twice.
 */
export const API_PREFIX = '/api/v2';

export function stripApiPrefix(url: string): string {
  if (!url.startsWith(API_PREFIX)) return url;
  const next = url.charCodeAt(API_PREFIX.length);
  // '/', '?' or end of string: `/api/v2x` is not under the prefix
  if (Number.isNaN(next)) return '/';
  if (next === 47) return url.slice(API_PREFIX.length);
  if (next === 63) return `/${url.slice(API_PREFIX.length)}`;
  return url;
}
