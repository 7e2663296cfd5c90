/**
 * The GitHub REST API as the sync needs it, through `@octokit/rest` with a configurable base URL (so
 * the same client talks to github.com, GitHub Enterprise and the test fake).
 *
 * - Every read is conditional: the caller passes the `ETag` it stored and gets `notModified`
 *   back on 304, which GitHub does not count against the rate limit.
 * - Listings are walked page by page through the `Link: rel="next"` header, so the caller can keep
 *   one `ETag` per page.
 * - A 403/429 that is rate limiting (`x-ratelimit-remaining: 0`, or `retry-after`) becomes a
 *   `GithubRateLimitError` carrying when to try again; the caller backs off until then.
 * - Asset contents are read through the API asset URL with `Accept: application/octet-stream`, which
 *   works for private repositories (a `browser_download_url` of a private repository answers 404).
 */
import type { Octokit } from '@octokit/rest';
import { isReleaseAssetApiUrl } from '../catalog/build-links.js';
import type { Clock } from '../infra/clock.js';
import { VERSION } from '../version.js';

export interface GithubAsset {
  id: number;
  name: string;
  size: number;
  /** The API URL of the asset (downloads with the token). */
  url: string;
  browser_download_url: string;
  /** `sha256:<hex>` when GitHub computed it. */
  digest?: string | null;
  updated_at?: string;
}

export interface GithubRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  assets: GithubAsset[];
}

export type Conditional<T> =
  | { notModified: true; etag: string }
  | { notModified: false; etag: string | undefined; data: T };

export interface ReleasePage {
  releases: GithubRelease[];
  /** The `rel="next"` URL, absent on the last page. */
  next: string | undefined;
}

/** GitHub refused for rate limiting; nothing should be asked before `retryAt` (epoch ms). */
export class GithubRateLimitError extends Error {
  constructor(readonly retryAt: number) {
    super(`GitHub rate limit reached; retry after ${new Date(retryAt).toISOString()}`);
    this.name = 'GithubRateLimitError';
  }
}

/** Any other failed GitHub call (404 repository, 5xx, network). */
export class GithubRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GithubRequestError';
  }
}

const PER_PAGE = 100;
const MAX_ATTACHMENT_BYTES = 1024 * 1024;
// When GitHub rate-limits without saying until when (a bare 429), wait this long.
const DEFAULT_BACKOFF_MS = 60_000;

type OctokitResponse = {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: unknown;
};
type OctokitFailure = { status?: number; message?: string; response?: OctokitResponse };

export function nextLink(link: string | undefined): string | undefined {
  return link === undefined ? undefined : /<([^<>]+)>;\s*rel="next"/.exec(link)?.[1];
}

export function createGithubClient(deps: { apiUrl: string; token: string | undefined; clock: Clock }) {
  const { apiUrl, clock } = deps;
  const quiet = () => {};
  // Loaded on the first call: a gateway whose projects name no repository never needs Octokit's
  // code in memory (see createStorage in artifacts-store.ts for the S3 client).
  let loaded: Promise<Octokit> | undefined;
  async function get(options: { url: string } & Parameters<Octokit['request']>[1]): Promise<OctokitResponse> {
    loaded ??= import('@octokit/rest').then(
      ({ Octokit }) =>
        new Octokit({
          baseUrl: apiUrl,
          ...(deps.token ? { auth: deps.token } : {}),
          userAgent: `lunarbit-gateway/${VERSION}`,
          log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
        }),
    );
    return (await (await loaded).request({ method: 'GET', ...options })) as OctokitResponse;
  }

  /** Maps Octokit's thrown errors onto ours; a 304 is an answer, not an error. */
  function failure(error: unknown, what: string): GithubRateLimitError | GithubRequestError {
    const { status = 500, message = 'request failed', response } = error as OctokitFailure;
    const headers = response?.headers ?? {};
    const header = (name: string) => (headers[name] === undefined ? undefined : String(headers[name]));
    if (status === 403 || status === 429) {
      const reset = Number(header('x-ratelimit-reset'));
      const retryAfter = Number(header('retry-after'));
      if (header('x-ratelimit-remaining') === '0' && Number.isFinite(reset)) {
        return new GithubRateLimitError(Math.max(reset * 1000, clock.now() + 1_000));
      }
      if (Number.isFinite(retryAfter) && header('retry-after') !== undefined) {
        return new GithubRateLimitError(clock.now() + retryAfter * 1000);
      }
      if (status === 429) return new GithubRateLimitError(clock.now() + DEFAULT_BACKOFF_MS);
    }
    return new GithubRequestError(status, `${what}: GitHub answered ${status} (${message})`);
  }

  async function conditionalGet<T>(
    url: string,
    etag: string | undefined,
    what: string,
  ): Promise<Conditional<T> & { headers?: Record<string, unknown> }> {
    try {
      const response = await get({
        url,
        headers: etag === undefined ? {} : { 'if-none-match': etag },
      });
      const fresh = response.headers.etag;
      return {
        notModified: false,
        etag: fresh === undefined ? undefined : String(fresh),
        data: response.data as T,
        headers: response.headers,
      };
    } catch (error) {
      if ((error as OctokitFailure).status === 304 && etag !== undefined) return { notModified: true, etag };
      throw failure(error, what);
    }
  }

  const repositoryUrl = (repository: string) => `${apiUrl}/repos/${repository}`;

  return {
    apiUrl,
    repositoryUrl,

    /** The URL of the first page of a repository's releases (the key its `ETag` is stored under). */
    releasesUrl(repository: string): string {
      return `${apiUrl}/repos/${repository}/releases?per_page=${PER_PAGE}`;
    },

    async getRepository(repository: string, etag?: string): Promise<Conditional<{ private: boolean }>> {
      return conditionalGet(repositoryUrl(repository), etag, `repository ${repository}`);
    },

    /** One page of releases, newest first as GitHub orders them (by creation, not by version). */
    async getReleasePage(url: string, etag?: string): Promise<Conditional<ReleasePage>> {
      const answer = await conditionalGet<GithubRelease[]>(url, etag, 'releases');
      if (answer.notModified) return answer;
      const link = answer.headers?.link;
      return {
        notModified: false,
        etag: answer.etag,
        data: { releases: answer.data, next: nextLink(link === undefined ? undefined : String(link)) },
      };
    },

    /** A small asset's contents (checksum lists, signatures), through the API so private repositories work. */
    async downloadAssetText(asset: Pick<GithubAsset, 'url' | 'name' | 'size'>): Promise<string> {
      if (asset.size > MAX_ATTACHMENT_BYTES) {
        throw new GithubRequestError(413, `asset ${asset.name} is larger than ${MAX_ATTACHMENT_BYTES} bytes`);
      }
      try {
        const response = await get({
          url: asset.url,
          headers: { accept: 'application/octet-stream' },
        });
        const data = response.data;
        if (typeof data === 'string') return data;
        if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
        return JSON.stringify(data);
      } catch (error) {
        throw failure(error, `asset ${asset.name}`);
      }
    },

    /**
     * Where to download a private repository's asset from: GitHub answers the API asset URL with a
     * redirect to a short-lived signed URL, which is handed to the client (the token never is).
     */
    async assetDownloadLocation(assetApiUrl: string): Promise<string> {
      try {
        const response = await get({
          url: assetApiUrl,
          headers: { accept: 'application/octet-stream' },
          request: { redirect: 'manual', parseSuccessResponseBody: false },
        });
        const location = response.headers.location;
        if (response.status >= 300 && response.status < 400 && location !== undefined) {
          return new URL(String(location), assetApiUrl).toString();
        }
        throw new GithubRequestError(502, `GitHub offered no download location for ${assetApiUrl}`);
      } catch (error) {
        if (error instanceof GithubRequestError) throw error;
        throw failure(error, 'asset download');
      }
    },

    /** True for an API asset URL of this GitHub instance (what private-repository builds store). */
    isAssetApiUrl(url: string): boolean {
      return url.startsWith(`${apiUrl}/repos/`) && isReleaseAssetApiUrl(url);
    },
  };
}

export type GithubClient = ReturnType<typeof createGithubClient>;
