/**
 * Reads a repository's releases with conditional requests. Every page is asked with the `ETag`
 * stored for it; when GitHub answers 304 for the repository and every page, nothing changed and
 * the sync stops there without having spent any rate limit. When any page changed, the pages that
 * did not are read again in full, because deciding what was deleted needs the whole listing.
 */
import { matchAssetToBuild } from './asset-matcher.js';
import { parseChecksumsFile } from './checksums-file.js';
import { type GithubClient, type GithubRelease, GithubRequestError } from './github-client.js';
import type { PlannedVersion } from './github-release-mapping.js';
import type { ReleaseAttachments } from './github-sync-apply.js';
import type { StoredEtag } from './github-sync-repo.js';
import type { SyncReport } from './github-sync-report.js';

export type RepositoryListing =
  | { changed: false; etags: Map<string, StoredEtag> }
  | { changed: true; etags: Map<string, StoredEtag>; isPrivate: boolean; releases: GithubRelease[] };

// A repository with more releases than this many pages is read only this far (10,000 releases).
const MAX_PAGES = 100;

/** A client whose every call is counted in the report. */
export function countingClient(client: GithubClient, report: SyncReport) {
  const count = <T extends { notModified: boolean }>(answer: T): T => {
    report.requests.total++;
    if (answer.notModified) report.requests.not_modified++;
    return answer;
  };
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } finally {
        report.requests.total++;
      }
    };
  return {
    getRepository: async (repository: string, etag?: string) =>
      count(await client.getRepository(repository, etag).catch(countFailure(report))),
    getReleasePage: async (url: string, etag?: string) =>
      count(await client.getReleasePage(url, etag).catch(countFailure(report))),
    downloadAssetText: counted(client.downloadAssetText),
  };
}

function countFailure(report: SyncReport) {
  return (error: unknown): never => {
    report.requests.total++;
    throw error;
  };
}

type CountingClient = ReturnType<typeof countingClient>;

export async function readRepository(
  client: CountingClient,
  urls: { repository: string; repositoryUrl: string; releasesUrl: string },
  stored: Map<string, StoredEtag>,
  storedPrivate: boolean | undefined,
): Promise<RepositoryListing> {
  const etags = new Map<string, StoredEtag>();
  const keep = (url: string, etag: string | undefined, nextUrl: string | null) => {
    if (etag !== undefined) etags.set(url, { etag, nextUrl });
  };

  const repository = await client.getRepository(
    urls.repository,
    storedPrivate === undefined ? undefined : stored.get(urls.repositoryUrl)?.etag,
  );
  keep(urls.repositoryUrl, repository.etag, null);
  let changed = !repository.notModified;
  const isPrivate = repository.notModified ? storedPrivate === true : repository.data.private === true;

  const pages: { url: string; releases: GithubRelease[] | undefined }[] = [];
  let url: string | undefined = urls.releasesUrl;
  while (url !== undefined && pages.length < MAX_PAGES && !pages.some((page) => page.url === url)) {
    const previous = stored.get(url);
    const answer = await client.getReleasePage(url, previous?.etag);
    if (answer.notModified) {
      keep(url, answer.etag, previous?.nextUrl ?? null);
      pages.push({ url, releases: undefined });
      url = previous?.nextUrl ?? undefined;
    } else {
      changed = true;
      keep(url, answer.etag, answer.data.next ?? null);
      pages.push({ url, releases: answer.data.releases });
      url = answer.data.next;
    }
  }
  // A listing that lost pages (releases deleted from its end) changed even if each page read was 304.
  const pageCountChanged = [...stored.keys()].some((key) => key !== urls.repositoryUrl && !etags.has(key));
  if (!changed && !pageCountChanged) return { changed: false, etags };

  for (const page of pages) {
    if (page.releases !== undefined) continue;
    const answer = await client.getReleasePage(page.url);
    if (answer.notModified) throw new GithubRequestError(500, `unexpected 304 for ${page.url}`);
    keep(page.url, answer.etag, answer.data.next ?? null);
    page.releases = answer.data.releases;
  }
  return { changed: true, etags, isPrivate, releases: pages.flatMap((page) => page.releases ?? []) };
}

/**
 * Downloads the checksum lists (only when a build has no GitHub digest) and the `.sig` files of one
 * release. An attachment that cannot be read is reported and the release is retried on the next sync;
 * rate limiting stops the whole sync.
 */
export async function readAttachments(
  client: CountingClient,
  plan: PlannedVersion,
  report: SyncReport,
): Promise<{ attachments: ReleaseAttachments; complete: boolean }> {
  const attachments: ReleaseAttachments = { checksums: new Map(), signatures: new Map() };
  let complete = true;
  const read = async (asset: { name: string; url: string; size: number }) => {
    try {
      return await client.downloadAssetText(asset);
    } catch (error) {
      if (!(error instanceof GithubRequestError)) throw error;
      complete = false;
      report.skipped.push({
        tag: plan.tag,
        asset: asset.name,
        reason: `could not be read: ${error.message}`,
      });
      return undefined;
    }
  };
  if (plan.builds.some((build) => build.digest === undefined)) {
    for (const asset of plan.checksumAssets) {
      const text = await read(asset);
      if (text === undefined) continue;
      const match = matchAssetToBuild(asset.name);
      const fileName = match.kind === 'attachment' ? match.relatesTo : undefined;
      for (const [name, sha256] of parseChecksumsFile(text, fileName === undefined ? {} : { fileName })) {
        if (!attachments.checksums.has(name)) attachments.checksums.set(name, sha256);
      }
    }
  }
  for (const build of plan.builds) {
    if (build.signatureAsset === undefined) continue;
    const text = await read(build.signatureAsset);
    if (text !== undefined) attachments.signatures.set(build.file_name, text.trim());
  }
  return { attachments, complete };
}
