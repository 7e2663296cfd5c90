/**
 * A fake GitHub REST API on an ephemeral port, speaking the wire format the sync depends on:
 * `Link` pagination with `per_page`/`page`, strong `ETag`s with 304 on `If-None-Match` (not counted
 * against the rate limit, as on GitHub), asset `digest`s, the rate-limit headers and the 403 GitHub
 * sends when the limit is spent, private repositories that answer 404 without the token, and asset
 * downloads through the API (`Accept: application/octet-stream` → 302 to a short-lived URL).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type FakeServer, type RecordedRequest, startFakeServer } from './fake-server.js';

export interface FakeAsset {
  name: string;
  content: string;
  /** GitHub computes `sha256:<hex>` digests; false leaves the field null (older releases). */
  digest?: boolean;
}

export interface FakeReleaseInput {
  tag: string;
  name?: string;
  body?: string;
  draft?: boolean;
  prerelease?: boolean;
  assets?: FakeAsset[];
}

interface StoredAsset extends FakeAsset {
  id: number;
  updatedAt: string;
}

interface StoredRelease extends Omit<FakeReleaseInput, 'assets'> {
  id: number;
  createdAt: string;
  assets: StoredAsset[];
}

interface FakeRepository {
  private: boolean;
  releases: StoredRelease[];
}

export interface FakeGithub {
  url: string;
  server: FakeServer;
  /** Requests to the API (downloads of signed URLs excluded). */
  apiRequests(): RecordedRequest[];
  createRepository(fullName: string, options?: { private?: boolean }): void;
  addRelease(fullName: string, release: FakeReleaseInput): number;
  editRelease(fullName: string, tag: string, patch: Partial<FakeReleaseInput>): void;
  deleteRelease(fullName: string, tag: string): void;
  /** The remaining budget of the token; at 0 every counted request gets 403 until `reset` (Unix seconds). */
  rateLimit: { limit: number; remaining: number; reset: number };
  /** Makes API requests wait until the returned function is called. */
  hold(): () => void;
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function startFakeGithub(options: { token?: string } = {}): Promise<FakeGithub> {
  const repositories = new Map<string, FakeRepository>();
  const signedDownloads = new Map<string, string>();
  let nextId = 1000;
  let created = Date.UTC(2025, 0, 1);
  let gate: Promise<void> | undefined;
  const rateLimit = { limit: 5000, remaining: 5000, reset: Math.floor(Date.UTC(2030, 0, 1) / 1000) };
  let base = '';

  const repositoryOf = (fullName: string) => {
    const repository = repositories.get(fullName.toLowerCase());
    if (!repository) throw new Error(`fake GitHub has no repository ${fullName}`);
    return repository;
  };

  const assetJson = (fullName: string, release: StoredRelease, asset: StoredAsset) => ({
    id: asset.id,
    name: asset.name,
    size: Buffer.byteLength(asset.content),
    content_type: 'application/octet-stream',
    state: 'uploaded',
    download_count: 0,
    digest: asset.digest === false ? null : `sha256:${sha256(asset.content)}`,
    updated_at: asset.updatedAt,
    url: `${base}/repos/${fullName}/releases/assets/${asset.id}`,
    browser_download_url: `${base}/${fullName}/releases/download/${release.tag}/${encodeURIComponent(asset.name)}`,
  });

  const releaseJson = (fullName: string, release: StoredRelease) => ({
    id: release.id,
    tag_name: release.tag,
    name: release.name ?? null,
    body: release.body ?? null,
    draft: release.draft ?? false,
    prerelease: release.prerelease ?? false,
    created_at: release.createdAt,
    published_at: release.draft ? null : release.createdAt,
    assets: release.assets.map((asset) => assetJson(fullName, release, asset)),
  });

  const authorised = (request: RecordedRequest) =>
    options.token !== undefined &&
    [`token ${options.token}`, `Bearer ${options.token}`].includes(String(request.headers.authorization));

  const server = await startFakeServer(async ({ request, res, json }) => {
    if (gate && !request.path.startsWith('/signed/')) await gate;
    const rateHeaders = () => ({
      'x-ratelimit-limit': String(rateLimit.limit),
      'x-ratelimit-remaining': String(rateLimit.remaining),
      'x-ratelimit-reset': String(rateLimit.reset),
      'x-ratelimit-used': String(rateLimit.limit - rateLimit.remaining),
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      json(status, body, { ...rateHeaders(), ...headers });

    const signed = /^\/signed\/([a-f0-9]+)$/.exec(request.path);
    if (signed) {
      const content = signedDownloads.get(signed[1]!);
      if (content === undefined) return send(403, { message: 'Request has expired' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(content);
      return;
    }
    const browser = /^\/([^/]+\/[^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(request.path);
    if (browser) {
      const repository = repositories.get(browser[1]!.toLowerCase());
      const asset = repository?.releases
        .find((release) => release.tag === browser[2])
        ?.assets.find((candidate) => candidate.name === decodeURIComponent(browser[3]!));
      // A private repository's browser URL needs a logged-in browser session: 404 for anyone else.
      if (!repository || repository.private || !asset) return send(404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(asset.content);
      return;
    }

    const route = /^\/repos\/([^/]+\/[^/]+)(\/releases(?:\/assets\/(\d+))?)?$/.exec(request.path);
    const repository = route ? repositories.get(route[1]!.toLowerCase()) : undefined;
    if (!route || !repository || (repository.private && !authorised(request))) {
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    const fullName = route[1]!;
    if (options.token !== undefined && request.headers.authorization !== undefined && !authorised(request)) {
      return send(401, { message: 'Bad credentials' });
    }

    let body: unknown;
    let link: string | undefined;
    if (route[3] !== undefined) {
      const assetId = Number(route[3]);
      const found = repository.releases.flatMap((release) =>
        release.assets.filter((asset) => asset.id === assetId).map((asset) => ({ release, asset })),
      )[0];
      if (!found) return send(404, { message: 'Not Found' });
      if (String(request.headers.accept) === 'application/octet-stream') {
        if (rateLimit.remaining === 0) return rateLimited(send);
        rateLimit.remaining--;
        const token = randomBytes(16).toString('hex');
        signedDownloads.set(token, found.asset.content);
        res.writeHead(302, { location: `${base}/signed/${token}`, ...rateHeaders() });
        res.end();
        return;
      }
      body = assetJson(fullName, found.release, found.asset);
    } else if (route[2] === '/releases') {
      const perPage = Math.min(100, Number(request.query.get('per_page') ?? 30));
      const page = Math.max(1, Number(request.query.get('page') ?? 1));
      const newestFirst = [...repository.releases]
        .filter((release) => !release.draft || authorised(request))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const last = Math.max(1, Math.ceil(newestFirst.length / perPage));
      body = newestFirst
        .slice((page - 1) * perPage, page * perPage)
        .map((release) => releaseJson(fullName, release));
      const pageUrl = (n: number) => `<${base}/repos/${fullName}/releases?per_page=${perPage}&page=${n}>`;
      const links = [
        ...(page < last ? [`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`] : []),
        ...(page > 1 ? [`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`] : []),
      ];
      link = links.length > 0 ? links.join(', ') : undefined;
    } else {
      body = { id: 1, full_name: fullName, private: repository.private };
    }

    const etag = `"${sha256(JSON.stringify(body))}"`;
    const headers: Record<string, string> = { etag, ...(link ? { link } : {}) };
    if (request.headers['if-none-match'] === etag) {
      res.writeHead(304, { ...rateHeaders(), ...headers });
      res.end();
      return;
    }
    if (rateLimit.remaining === 0) return rateLimited(send);
    rateLimit.remaining--;
    return send(200, body, headers);
  });
  base = server.url;

  function rateLimited(send: (status: number, body: unknown) => void) {
    send(403, {
      message: 'API rate limit exceeded for user ID 1.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    });
  }

  const findRelease = (fullName: string, tag: string) => {
    const release = repositoryOf(fullName).releases.find((candidate) => candidate.tag === tag);
    if (!release) throw new Error(`fake GitHub has no release ${tag} in ${fullName}`);
    return release;
  };
  const storeAssets = (assets: FakeAsset[] = []) =>
    assets.map((asset) => ({ ...asset, id: nextId++, updatedAt: new Date(created).toISOString() }));

  return {
    url: server.url,
    server,
    apiRequests: () => server.requests.filter((request) => request.path.startsWith('/repos/')),
    createRepository(fullName, repositoryOptions = {}) {
      repositories.set(fullName.toLowerCase(), { private: repositoryOptions.private ?? false, releases: [] });
    },
    addRelease(fullName, release) {
      created += 60_000;
      const id = nextId++;
      repositoryOf(fullName).releases.push({
        ...release,
        id,
        createdAt: new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        assets: storeAssets(release.assets),
      });
      return id;
    },
    editRelease(fullName, tag, patch) {
      const release = findRelease(fullName, tag);
      const { assets, ...fields } = patch;
      Object.assign(release, fields);
      if (assets) release.assets = storeAssets(assets);
    },
    deleteRelease(fullName, tag) {
      const repository = repositoryOf(fullName);
      repository.releases = repository.releases.filter((release) => release.tag !== tag);
    },
    rateLimit,
    hold() {
      let open = () => {};
      gate = new Promise((resolve) => {
        open = () => {
          gate = undefined;
          resolve();
        };
      });
      return open;
    },
    close: () => server.close(),
  };
}
