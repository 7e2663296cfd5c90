import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses } from '../http/common-schemas.js';
import type { Links } from './build-links.js';
import type { Catalog } from './catalog.js';
import { sendCatalogRead } from './catalog-http-cache.js';
import {
  BuildDetails,
  BuildParams,
  ChannelParams,
  NotModified,
  ProjectDetails,
  ProjectListQuery,
  ProjectListResponse,
  ProjectParams,
  VersionDetails,
  VersionListQuery,
  VersionListResponse,
  VersionParams,
} from './catalog-schemas.js';

const readProjects = { auth: 'key', permission: 'canReadProjects', rateGroup: 'key' } as const;
const readVersions = { auth: 'key', permission: 'canReadVersions', rateGroup: 'key' } as const;
/** Readers hold a key: their links need no token. */
const linksOf = (request: FastifyRequest): Links => ({ base: request.linkBase, query: '' });
const CACHING =
  ' Answers carry a strong `ETag` and `Cache-Control: private, max-age=<CACHE_TTL>`; `If-None-Match` gets 304.';

/** Catalog reads: served from the in-memory read model, never from the database once warm. */
export async function catalogRoutes(instance: FastifyInstance, deps: { catalog: Catalog }) {
  const { reads, maxAgeSeconds } = deps.catalog;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/projects',
    {
      config: readProjects,
      schema: {
        tags: ['projects'],
        summary: 'List all projects',
        description: `The projects this key may see, oldest first.${CACHING}`,
        querystring: ProjectListQuery,
        response: { 200: ProjectListResponse, 304: NotModified, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.listProjects(request.caller!, request.query),
        maxAgeSeconds,
      ),
  );

  app.get(
    '/projects/:projectId',
    {
      config: readProjects,
      schema: {
        tags: ['projects'],
        summary: 'Get project details',
        description: `Channels, the latest version and total downloads.${CACHING}`,
        params: ProjectParams,
        response: { 200: ProjectDetails, 304: NotModified, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.project(request.caller!, request.params.projectId),
        maxAgeSeconds,
      ),
  );

  app.get(
    '/projects/:projectId/channels/:channelId/versions',
    {
      config: readVersions,
      schema: {
        tags: ['versions'],
        summary: 'List project versions',
        description: `Published versions of the channel, by semver (prereleases before their release: \`1.2.0-beta.2\` < \`1.2.0-beta.10\` < \`1.2.0\`).${CACHING}`,
        params: ChannelParams,
        querystring: VersionListQuery,
        response: { 200: VersionListResponse, 304: NotModified, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.listVersions(request.caller!, request.params, request.query),
        maxAgeSeconds,
      ),
  );

  app.get(
    '/projects/:projectId/channels/:channelId/latest',
    {
      config: readVersions,
      schema: {
        tags: ['versions'],
        summary: 'Get the latest version of a channel',
        description: `The newest published version the channel offers, including those of the channels it includes (beta offers stable releases too). Never a draft or a yanked version.${CACHING}`,
        params: ChannelParams,
        response: { 200: VersionDetails, 304: NotModified, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.latest(request.caller!, request.params, linksOf(request)),
        maxAgeSeconds,
      ),
  );

  app.get(
    '/projects/:projectId/channels/:channelId/versions/:versionId',
    {
      config: readVersions,
      schema: {
        tags: ['versions'],
        summary: 'Get version details',
        description: `A published version with its builds.${CACHING}`,
        params: VersionParams,
        response: { 200: VersionDetails, 304: NotModified, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.version(request.caller!, request.params, linksOf(request)),
        maxAgeSeconds,
      ),
  );

  app.get(
    '/projects/:projectId/channels/:channelId/versions/:versionId/builds/:buildId',
    {
      config: readVersions,
      schema: {
        tags: ['builds'],
        summary: 'Get build information',
        description: `File, size, checksums, download count and verification status of one build.${CACHING}`,
        params: BuildParams,
        response: { 200: BuildDetails, 304: NotModified, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) =>
      sendCatalogRead(
        request,
        reply,
        await reads.build(request.caller!, request.params, linksOf(request)),
        maxAgeSeconds,
      ),
  );
}
