/**
 * Download links as clients receive them: absolute, and for builds the gateway serves itself (see
 * `servedByGateway`) the gateway's own download route (ending in the file name) with, where the
 * answer calls for it, a download token (see `artifacts/download-tokens.ts`). Answers are memoised
 * per `linksKey`, since the same snapshot answers differently per base URL and token.
 */
import type { BuildSnapshot } from './catalog-snapshot.js';

export interface Links {
  /** Absolute base URL of the gateway, without a trailing slash. */
  base: string;
  /** `''` or `?token=…`, appended to the gateway's download links. */
  query: string;
}

/**
 * A GitHub API release-asset URL (`…/repos/<owner>/<repo>/releases/assets/<id>`, on github.com or
 * GitHub Enterprise): what builds of private repositories store. It answers only with a token, so
 * clients are sent to the gateway's download route, which swaps it for GitHub's short-lived link.
 */
export function isReleaseAssetApiUrl(url: string): boolean {
  return /\/repos\/[^/]+\/[^/]+\/releases\/assets\/\d+$/.test(url);
}

/** Uploaded builds, and builds whose own URL needs a credential the client does not have. */
export function servedByGateway(build: { storageKey: string | null; downloadUrl: string }): boolean {
  return build.storageKey !== null || isReleaseAssetApiUrl(build.downloadUrl);
}

export function buildLink(build: Pick<BuildSnapshot, 'downloadUrl' | 'downloadPath'>, links: Links): string {
  return build.downloadPath === null ? build.downloadUrl : `${links.base}${build.downloadPath}${links.query}`;
}

export function linksKey(links: Links): string {
  return `${links.base}${links.query}`;
}
