/**
 * Downloads. `…/builds/:buildId/download/:fileName` is the link every answer hands out (its last
 * segment is the file name, so clients name the file right); it is stable and redirects to where the
 * bytes are: for an uploaded build a fresh signed `/files/…` link (local storage) or presigned bucket
 * link (S3 storage), the build's own URL otherwise.
 * Who may follow it: a key with `canReadVersions` or `canCheckUpdates`; without a key, anyone for a
 * project with `public_feeds`, and the holder of a valid download token (see
 * `artifacts/download-tokens.ts`) for the project it names. `…/download` (no file name) is the
 * reference's keyed route. Every download is counted.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { unauthorized } from '../http/auth.js';
import { errorResponses } from '../http/common-schemas.js';
import { credentialVariants } from '../http/credential-constraint.js';
import { type Caller, hasPermission, publicDownloaderOf } from '../keys/caller.js';
import type { Catalog } from './catalog.js';
import { BuildParams, DownloadRedirect } from './catalog-schemas.js';
import type { BuildSnapshot } from './catalog-snapshot.js';

const readVersions = { auth: 'key', permission: 'canReadVersions', rateGroup: 'key' } as const;
const NamedParams = Type.Object({
  ...BuildParams.properties,
  fileName: Type.String({ minLength: 1, maxLength: 255, description: 'The build’s file name' }),
});
const TokenQuery = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        maxLength: 400,
        description: 'Download token from a feed or update answer (no key needed)',
      }),
    ),
  },
  // Updater clients add parameters of their own; they are accepted and ignored.
  { additionalProperties: true },
);

/** What a download token stands for once its key has been looked up. */
export type TokenHolder =
  | { kind: 'valid'; caller: Caller | undefined }
  | { kind: 'invalid' }
  | { kind: 'expired' };

export interface DownloadRouteDeps {
  catalog: Catalog;
  /** Swaps a stored download URL for the one to send the client to (private GitHub assets); undefined keeps it. */
  resolveDownload?: (url: string) => Promise<string | undefined>;
  /** A signed, expiring absolute URL of a build uploaded to this gateway (`/files/…` or the bucket's). */
  storedFileUrl: (projectId: string, build: BuildSnapshot, base: string) => Promise<string>;
  /** The key a download token names, if the token is valid for the project and the key still is. */
  checkToken: (token: string, projectId: string) => Promise<TokenHolder>;
}

const mayDownload = (caller: Caller) =>
  hasPermission(caller, 'canReadVersions') || hasPermission(caller, 'canCheckUpdates');

export async function catalogDownloadRoutes(instance: FastifyInstance, deps: DownloadRouteDeps) {
  const { catalog } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  async function redirectTo(
    reply: FastifyReply,
    projectId: string,
    build: BuildSnapshot,
    base: string,
  ): Promise<FastifyReply> {
    const url =
      build.storageKey !== null
        ? await deps.storedFileUrl(projectId, build, base)
        : ((await deps.resolveDownload?.(build.downloadUrl)) ?? build.downloadUrl);
    // Every download must reach us to be counted.
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  }

  /** The downloader behind a request without a key; 401 (as a keyed route gives) when there is none. */
  async function keylessDownloader(projectId: string, token: string | undefined): Promise<Caller> {
    if (token !== undefined) {
      const check = await deps.checkToken(token, projectId);
      if (check.kind === 'expired') {
        throw new AppError(
          'UNAUTHORIZED',
          'This download link has expired; check for updates again for a new one',
        );
      }
      if (check.kind === 'valid' && check.caller !== undefined && mayDownload(check.caller))
        return check.caller;
      throw unauthorized();
    }
    const snapshot = await catalog.readModel.snapshot(projectId);
    if (snapshot === undefined || !snapshot.project.publicFeeds) throw unauthorized();
    return publicDownloaderOf(projectId);
  }

  app.get(
    '/projects/:projectId/channels/:channelId/versions/:versionId/builds/:buildId/download',
    {
      config: readVersions,
      schema: {
        tags: ['builds'],
        summary: 'Download a build',
        description:
          'Redirects (302) to the build’s download URL and counts the download. A build uploaded to the gateway redirects to a signed `/files/…` URL that expires after `SIGNED_URL_TTL`; with `ARTIFACT_STORAGE=s3`, to a presigned link to the bucket with the same lifetime that names the file (`Content-Disposition`), or to `S3_PUBLIC_BASE_URL` when set.',
        params: BuildParams,
        response: { 302: DownloadRedirect, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const build = await catalog.reads.downloadBuild(request.caller!, request.params);
      return redirectTo(reply, request.params.projectId, build, request.linkBase);
    },
  );

  for (const variant of credentialVariants(instance, {
    ...readVersions,
    orPermission: 'canCheckUpdates',
  })) {
    app.get(
      '/projects/:projectId/channels/:channelId/versions/:versionId/builds/:buildId/download/:fileName',
      {
        config: variant.config,
        constraints: variant.constraints,
        schema: {
          hide: variant.hide,
          tags: ['builds'],
          summary: 'Download a build by its file name',
          description:
            'The `download_url` of uploaded builds in every answer: a stable link whose last segment is the file name. Redirects (302) like `…/download` and counts the download. ' +
            'Needs a key with `canReadVersions` or `canCheckUpdates`, except for projects with `public_feeds` (anyone, limited per IP like unauthenticated requests) and with the `token` that feed and update answers add to their links for other projects (valid for `DOWNLOAD_TOKEN_TTL`, for the key’s projects while the key is valid). A file name that is not the build’s is 404.',
          params: NamedParams,
          querystring: TokenQuery,
          response: { 302: DownloadRedirect, ...errorResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const { fileName, ...params } = request.params;
        const caller = request.caller ?? (await keylessDownloader(params.projectId, request.query.token));
        const build = await catalog.reads.downloadBuild(caller, params, fileName);
        return redirectTo(reply, params.projectId, build, request.linkBase);
      },
    );
  }
}
