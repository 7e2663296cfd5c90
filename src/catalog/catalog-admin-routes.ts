import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../http/common-schemas.js';
import type { Catalog } from './catalog.js';
import {
  AdminChannelView,
  AdminProjectView,
  CreateChannelBody,
  CreateProjectBody,
  DeleteQuery,
  UpdateChannelBody,
  UpdateProjectBody,
} from './catalog-admin-schemas.js';
import { ChannelParams, ProjectParams } from './catalog-schemas.js';
import { catalogVersionAdminRoutes } from './catalog-version-admin-routes.js';
import { writeContext as context } from './catalog-writer.js';

const MANAGE_PROJECTS = { auth: 'key', permission: 'canManageProjects', rateGroup: 'key' } as const;
const ADMIN_TAGS = ['admin'];
const Deleted = Type.Null({ description: 'Deleted' });

/** Catalog writes (permission `canManageProjects`); each is audited and reaches every instance's read model. */
export async function catalogAdminRoutes(instance: FastifyInstance, deps: { catalog: Catalog }) {
  const { projects } = deps.catalog;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/admin/projects',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Create a project',
        description:
          'Creates the channels given, or `stable` and `beta` (beta includes stable). A key restricted by `allowedProjects` may create only those projects.',
        body: CreateProjectBody,
        response: { 201: AdminProjectView, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await projects.createProject(context(request), request.body)),
  );

  app.patch(
    '/admin/projects/:projectId',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Change a project',
        params: ProjectParams,
        body: UpdateProjectBody,
        response: { 200: AdminProjectView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => projects.updateProject(context(request), request.params.projectId, request.body),
  );

  app.delete(
    '/admin/projects/:projectId',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Delete a project',
        description:
          'Deletes the project with its channels, versions and builds. Refused (409) while published versions exist unless `force=true`.',
        params: ProjectParams,
        querystring: DeleteQuery,
        response: { 204: Deleted, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await projects.deleteProject(context(request), request.params.projectId, request.query.force);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/projects/:projectId/channels',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Create a channel',
        description:
          '`includes` defaults by id: `beta` includes `stable`, `dev` includes `beta` and `stable` (those that exist).',
        params: ProjectParams,
        body: CreateChannelBody,
        response: { 201: AdminChannelView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await projects.createChannel(context(request), request.params.projectId, request.body)),
  );

  app.patch(
    '/admin/projects/:projectId/channels/:channelId',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Change a channel',
        params: ChannelParams,
        body: UpdateChannelBody,
        response: { 200: AdminChannelView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) =>
      projects.updateChannel(
        context(request),
        request.params.projectId,
        request.params.channelId,
        request.body,
      ),
  );

  app.delete(
    '/admin/projects/:projectId/channels/:channelId',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ADMIN_TAGS,
        summary: 'Delete a channel',
        description:
          'Deletes the channel with its versions and builds; channels that included it stop doing so. Refused (409) while it has published versions unless `force=true`.',
        params: ChannelParams,
        querystring: DeleteQuery,
        response: { 204: Deleted, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { projectId, channelId } = request.params;
      await projects.deleteChannel(context(request), projectId, channelId, request.query.force);
      return reply.code(204).send(null);
    },
  );

  await catalogVersionAdminRoutes(app, deps);
}
