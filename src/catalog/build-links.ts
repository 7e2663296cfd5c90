/**
 * Download links as clients receive them: absolute, and for uploaded builds the gateway's own
 * download route (ending in the file name) with, where the answer calls for it, a download token
 * (see `artifacts/download-tokens.ts`). Answers are memoised per `linksKey`, since the same
 * snapshot answers differently per base URL and token.
 */
import type { BuildSnapshot } from './catalog-snapshot.js';

export interface Links {
  /** Absolute base URL of the gateway, without a trailing slash. */
  base: string;
  /** `''` or `?token=…`, appended to the gateway's download links. */
  query: string;
}

export function buildLink(build: Pick<BuildSnapshot, 'downloadUrl' | 'downloadPath'>, links: Links): string {
  return build.downloadPath === null ? build.downloadUrl : `${links.base}${build.downloadPath}${links.query}`;
}

export function linksKey(links: Links): string {
  return `${links.base}${links.query}`;
}
