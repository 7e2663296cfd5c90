import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ProjectParams } from '../catalog/catalog-schemas.js';
import { errorResponses } from '../http/common-schemas.js';
import type { Github } from './github.js';
import { SyncReportSchema } from './github-sync-report.js';

const MANAGE_PROJECTS = { auth: 'key', permission: 'canManageProjects', rateGroup: 'key' } as const;

/** On-demand GitHub Releases synchronisation of one project. */
export async function githubSyncRoutes(instance: FastifyInstance, deps: { github: Github }) {
  const { sync } = deps.github;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/admin/projects/:projectId/sync',
    {
      config: MANAGE_PROJECTS,
      schema: {
        tags: ['github'],
        summary: 'Synchronise a project from GitHub Releases',
        description:
          "Reads the releases of the project's `repository` and brings the catalog in line: new releases become published versions " +
          '(prereleases in the prerelease channel, others in `stable`) with a build per recognised asset; changed ones are updated ' +
          'except for fields edited through the admin API; releases deleted on GitHub are yanked. Answers the report of what was ' +
          'added, updated, yanked and skipped (with reasons). Unchanged repositories are answered by GitHub with 304 and cost no ' +
          'rate limit. When GitHub rate-limits, nothing changes and `retry_at` says when the next attempt is made. ' +
          '409 while another sync of the project is running (on any instance).',
        params: ProjectParams,
        response: { 200: SyncReportSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => sync.syncForCaller(request.caller!, request.params.projectId, request.id),
  );
}
