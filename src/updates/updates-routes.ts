import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { NotModified } from '../catalog/catalog-schemas.js';
import { errorResponses } from '../http/common-schemas.js';
import { clientIdOf } from './client-id.js';
import { checkLauncher } from './launcher-check.js';
import { memoised, sendMemoised } from './memoised-answers.js';
import {
  CHECK_UPDATES_CONTRACT,
  LauncherCheckBody,
  LauncherCheckResponse,
  MAX_LAUNCHER_ITEMS,
  UpdateParams,
  UpdateQuery,
  UpdateResponse,
} from './updates-schemas.js';
import type { UpdatesService } from './updates-service.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The JSON update checks. Native updater feeds are in `feeds/feed-routes.ts`. */
export async function updatesRoutes(instance: FastifyInstance, deps: { updates: UpdatesService }) {
  const { updates } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/projects/:projectId/channels/:channelId/update',
    {
      config: CHECK_UPDATES_CONTRACT,
      schema: {
        tags: ['updates'],
        summary: 'Check for updates',
        description:
          'Whether a newer published version of the channel (or of the channels it includes) has a build for the client’s platform and architecture. ' +
          '`breaking_changes` covers every version skipped; `mandatory` says the current version is below a `min_supported_version` of one of them; ' +
          '`rollback: true` offers an older version to a client whose version was yanked. Staged rollouts admit a client by a stable bucket of ' +
          '(`client_id` or `X-Client-Id`, project, version). No build for the target → 200 with `update_available: false` and a message; ' +
          'an invalid `current_version` → 400. Download links are absolute; for a project without `public_feeds` they carry a download token, so the file downloads without a header. ' +
          'Answers carry a strong `ETag` (per client bucket); `If-None-Match` gets 304.',
        params: UpdateParams,
        querystring: UpdateQuery,
        response: { 200: UpdateResponse, 304: NotModified, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const answer = await updates.updateCheck(
        request.caller!,
        request.params,
        request.query,
        clientIdOf(request),
        request.linkBase,
      );
      // Serialised through the route's response schema, which drops undeclared fields.
      const entry = memoised(answer.memo, answer.key, () => String(reply.serialize(answer.produce())));
      return sendMemoised(request, reply, entry, JSON_TYPE);
    },
  );

  app.post(
    '/update/check',
    {
      config: CHECK_UPDATES_CONTRACT,
      schema: {
        tags: ['updates'],
        summary: 'Launcher update check',
        description:
          `The launcher’s own update (from the project configured as \`LAUNCHER_PROJECT_ID\`) and one entry per installed project, in request order, for the client’s os and architecture. ` +
          `An unknown or forbidden project, an unknown channel or an invalid version yields an entry with an \`error\` object instead of failing the request. At most ${MAX_LAUNCHER_ITEMS} items (more → 400).`,
        body: LauncherCheckBody,
        response: { 200: LauncherCheckResponse, ...errorResponses(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const answer = await checkLauncher(
        updates,
        request.caller!,
        request.body,
        clientIdOf(request),
        request.linkBase,
      );
      return reply.header('cache-control', 'private, no-cache').send(answer);
    },
  );
}
