import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import type { Catalog } from './catalog.js';
import {
  AdminBuildView,
  AdminVersionListQuery,
  AdminVersionListResponse,
  AdminVersionView,
  CreateBuildBody,
  type CreateBuildInput,
  CreateVersionBody,
  PromoteBody,
  UpdateVersionBody,
  YankBody,
} from './catalog-admin-schemas.js';
import { BuildParams, ChannelParams, VersionParams } from './catalog-schemas.js';
import { UploadFormSchema } from './catalog-upload-form.js';
import { writeContext as context } from './catalog-writer.js';

const MANAGE_PROJECTS = { auth: 'key', permission: 'canManageProjects', rateGroup: 'key' } as const;
const tags = ['admin'];
const VERSIONS = '/admin/projects/:projectId/channels/:channelId/versions';

/** Versions and builds of the catalog admin API (registered by `catalogAdminRoutes`). */
export async function catalogVersionAdminRoutes(instance: FastifyInstance, deps: { catalog: Catalog }) {
  const { versions, builds, versionReads } = deps.catalog;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    VERSIONS,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'List versions in every state',
        description:
          'Drafts, published and yanked versions of the channel (readers see published ones only), by semver; `status` keeps one state. Each entry has its number of builds.',
        params: ChannelParams,
        querystring: AdminVersionListQuery,
        response: { 200: AdminVersionListResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => versionReads.listVersions(request.caller!, request.params, request.query),
  );

  app.get(
    `${VERSIONS}/:versionId`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Get a version in any state',
        description:
          'A draft, published or yanked version with its builds as administrators see them: verification status and reason, checksums, whether the file is stored here.',
        params: VersionParams,
        response: { 200: AdminVersionView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => versionReads.version(request.caller!, request.params, request.linkBase),
  );

  app.delete(
    `${VERSIONS}/:versionId`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Delete a version that was never published',
        description:
          'Removes a draft with its builds and the files stored for them (a file a promoted copy still uses stays). A version that was ever published (published or yanked) is refused with 409: yank it instead.',
        params: VersionParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await versions.deleteVersion(context(request), request.params);
      return reply.code(204).send(null);
    },
  );

  app.post(
    VERSIONS,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Create a version',
        description:
          'A draft (invisible to readers) unless `status` is `published`. Versions are unique per channel; a leading `v` is stripped.',
        params: ChannelParams,
        body: CreateVersionBody,
        response: { 201: AdminVersionView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await versions.createVersion(context(request), request.params, request.body)),
  );

  app.patch(
    `${VERSIONS}/:versionId`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Change a version',
        description: 'Changed fields are remembered, so a GitHub synchronisation does not overwrite them.',
        params: VersionParams,
        body: UpdateVersionBody,
        response: { 200: AdminVersionView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => versions.updateVersion(context(request), request.params, request.body),
  );

  app.post(
    `${VERSIONS}/:versionId/publish`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Publish a version',
        description: 'A draft becomes visible to readers; a yanked version is restored. Otherwise 409.',
        params: VersionParams,
        response: { 200: AdminVersionView, ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request) => versions.publishVersion(context(request), request.params),
  );

  app.post(
    `${VERSIONS}/:versionId/yank`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Yank a published version',
        description:
          'A yanked version is never listed or offered again; clients on it are offered a way off it.',
        params: VersionParams,
        body: YankBody,
        response: { 200: AdminVersionView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => versions.yankVersion(context(request), request.params, request.body.reason),
  );

  app.post(
    `${VERSIONS}/:versionId/promote`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Promote a version to another channel',
        description:
          'The same version, notes and builds appear in `to_channel` (published there now if published here).',
        params: VersionParams,
        body: PromoteBody,
        response: { 201: AdminVersionView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await versions.promoteVersion(context(request), request.params, request.body.to_channel)),
  );

  // In a scope of its own: only this route accepts multipart bodies (elsewhere they stay 415).
  await app.register(async (scope) => {
    // Multipart bodies are left unread here: the build service streams the file part to storage.
    const uploads = builds.acceptsUploads;
    if (uploads) await scope.register(multipart);
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      `${VERSIONS}/:versionId/builds`,
      {
        config: MANAGE_PROJECTS,
        schema: {
          tags,
          summary: uploads
            ? 'Add a build: upload it, or point to where it is hosted'
            : 'Add an externally hosted build',
          description:
            'The build id defaults to `<platform>-<architecture>`; a duplicate is 409. New builds are `pending` until verified.' +
            (uploads
              ? ' As `multipart/form-data` the file itself is uploaded and stored (413 beyond `MAX_UPLOAD_SIZE`); as JSON the build is hosted elsewhere.'
              : ''),
          params: VersionParams,
          body: uploads
            ? {
                content: {
                  'application/json': { schema: CreateBuildBody },
                  'multipart/form-data': { schema: UploadFormSchema },
                },
              }
            : CreateBuildBody,
          response: { 201: AdminBuildView, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const path = request.params;
        if (uploads && request.isMultipart()) {
          return reply.code(201).send(await builds.uploadBuild(context(request), path, request));
        }
        // Per-media-type schemas validate only bodies that came with a media type.
        if (request.body === undefined || request.body === null) {
          throw new AppError('INVALID_REQUEST', 'Send the build as JSON or as multipart/form-data');
        }
        return reply
          .code(201)
          .send(await builds.createBuild(context(request), path, request.body as CreateBuildInput));
      },
    );
  });

  app.delete(
    `${VERSIONS}/:versionId/builds/:buildId`,
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags,
        summary: 'Delete a build',
        params: BuildParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await builds.deleteBuild(context(request), request.params);
      return reply.code(204).send(null);
    },
  );
}
