/**
 * Native updater feeds. Each path is registered twice, told apart by whether the request presents
 * credentials (a router constraint, so the request guard sees the right declaration):
 * - with a key: `canCheckUpdates`, the key's rate limit, and `allowedProjects` like every read;
 * - without: public, limited by the unauthenticated IP budget, and served only for projects with
 *   `public_feeds: true` — many updater clients cannot send headers. Any other project gets the 401
 *   a keyed route gives, whether it exists or not.
 * Bodies are memoised per snapshot like the JSON check; an empty memo entry stands for 204/404.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors.js';
import { presentedCredential } from '../../http/auth.js';
import { errorResponses } from '../../http/common-schemas.js';
import type { RouteContract } from '../../http/route-contract.js';
import { clientIdOf } from '../client-id.js';
import { ANY_BUILD, type ResponseMemo } from '../update-candidates.js';
import type { UpdatesService } from '../updates-service.js';
import { electronUpdate } from './electron.js';
import { electronUpdaterYml, latestForYml, ymlTarget } from './electron-updater.js';
import {
  ELECTRON_ARCHES,
  ELECTRON_PLATFORMS,
  SPARKLE_BUILDS,
  SQUIRREL_MAC_BUILDS,
  SQUIRREL_WINDOWS_BUILDS,
  TAURI_ARCHES,
  TAURI_BUILDS,
  TAURI_TARGETS,
} from './feed-builds.js';
import {
  ChannelFeedParams,
  ElectronParams,
  ElectronUpdateResponse,
  FeedQuery,
  ReleasesParams,
  SparkleQuery,
  TauriParams,
  TauriUpdateResponse,
  TextFeed,
  UpToDate,
  YmlParams,
} from './feed-schemas.js';
import { appcast } from './sparkle.js';
import { releasesFile } from './squirrel-releases.js';
import { tauriUpdate } from './tauri.js';

const BASE = '/projects/:projectId/channels/:channelId';
const ACCESS = 'feedAccess';
const KEYED = { auth: 'key', permission: 'canCheckUpdates', rateGroup: 'key' } as const;
const PUBLIC = { auth: 'public', rateGroup: 'unauthenticated' } as const;
const VARIANTS: { config: RouteContract; constraints: Record<string, string>; hide: boolean }[] = [
  { config: KEYED, constraints: { [ACCESS]: 'key' }, hide: false },
  { config: PUBLIC, constraints: { [ACCESS]: 'public' }, hide: true },
];
const ACCESS_NOTE =
  ' Needs a key with `canCheckUpdates`, unless the project sets `public_feeds: true`: then requests without credentials are served too (limited per IP like unauthenticated requests).';

/** Routes requests to the keyed or the public variant of a feed. */
const feedAccessStrategy = {
  name: ACCESS,
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, handler: unknown) => {
        handlers.set(value, handler);
      },
    };
  },
  deriveConstraint: (request: { headers: Record<string, string | string[] | undefined> }) =>
    presentedCredential(request as never).kind === 'none' ? 'public' : 'key',
  // Other routes declare no such constraint and must keep matching every request.
  mustMatchWhenDerived: false,
};

function memoised(memo: ResponseMemo, key: string, produce: () => string | undefined): string {
  let body = memo.get(key);
  if (body === undefined) {
    body = produce() ?? '';
    memo.set(key, body);
  }
  return body;
}

function sendText(reply: FastifyReply, contentType: string, body: string): FastifyReply {
  return reply.header('cache-control', 'private, no-cache').type(contentType).send(body);
}

const noFeed = (what: string) => new AppError('NOT_FOUND', `${what} is available in this channel`);

export async function feedRoutes(instance: FastifyInstance, deps: { updates: UpdatesService }) {
  const { updates } = deps;
  if (!instance.hasConstraintStrategy(ACCESS)) instance.addConstraintStrategy(feedAccessStrategy as never);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  // Each feed twice: the keyed variant (documented) and the public one (same handler, hidden).
  for (const variant of VARIANTS) {
    const { config, constraints, hide } = variant;
    app.get(
      `${BASE}/tauri/:target/:arch/:currentVersion`,
      {
        config,
        constraints,
        schema: {
          hide,
          tags: ['updates'],
          summary: 'Tauri v2 update feed',
          description: `The Tauri updater’s dynamic endpoint: 204 when up to date, else \`{version, url, signature, notes, pub_date}\`. Only signed builds are offered.${ACCESS_NOTE}`,
          params: TauriParams,
          querystring: FeedQuery,
          response: { 200: TauriUpdateResponse, 204: UpToDate, ...errorResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, target, arch, currentVersion } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const platform = TAURI_TARGETS[target as keyof typeof TAURI_TARGETS];
        const architecture = TAURI_ARCHES[arch as keyof typeof TAURI_ARCHES];
        const chosen = updates.check(index, platform, architecture, clientIdOf(request), TAURI_BUILDS);
        const body = memoised(chosen.target.responses, `tauri|${currentVersion}|${chosen.offerIndex}`, () => {
          const update = tauriUpdate(updates.resolve(chosen, currentVersion, 'currentVersion'));
          return update === undefined ? undefined : String(reply.serialize(update));
        });
        if (body === '') return reply.header('cache-control', 'private, no-cache').code(204).send(null);
        return sendText(reply, 'application/json; charset=utf-8', body);
      },
    );

    app.get(
      `${BASE}/electron/:platform/:arch/:currentVersion`,
      {
        config,
        constraints,
        schema: {
          hide,
          tags: ['updates'],
          summary: 'Electron autoUpdater feed (Squirrel.Mac JSON)',
          description: `What Electron’s built-in \`autoUpdater\` reads on macOS: 204 when up to date, else \`{url, name, notes, pub_date}\` (on macOS \`url\` is a zip build).${ACCESS_NOTE}`,
          params: ElectronParams,
          querystring: FeedQuery,
          response: {
            200: ElectronUpdateResponse,
            204: UpToDate,
            ...errorResponses(400, 401, 403, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, platform, arch, currentVersion } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const ours = ELECTRON_PLATFORMS[platform as keyof typeof ELECTRON_PLATFORMS];
        const architecture = ELECTRON_ARCHES[arch as keyof typeof ELECTRON_ARCHES];
        const profile = ours === 'macos' ? SQUIRREL_MAC_BUILDS : ANY_BUILD;
        const chosen = updates.check(index, ours, architecture, clientIdOf(request), profile);
        const body = memoised(
          chosen.target.responses,
          `electron|${currentVersion}|${chosen.offerIndex}`,
          () => {
            const update = electronUpdate(updates.resolve(chosen, currentVersion, 'currentVersion'));
            return update === undefined ? undefined : String(reply.serialize(update));
          },
        );
        if (body === '') return reply.header('cache-control', 'private, no-cache').code(204).send(null);
        return sendText(reply, 'application/json; charset=utf-8', body);
      },
    );

    app.get(
      `${BASE}/electron/win32/:arch/RELEASES`,
      {
        config,
        constraints,
        schema: {
          hide,
          tags: ['updates'],
          summary: 'Squirrel.Windows RELEASES file',
          description: `Set the feed URL to \`…/electron/win32/<arch>\`: Squirrel.Windows reads this file — \`SHA1 url size\` of the newest \`.nupkg\` build (builds need a \`sha1\` checksum).${ACCESS_NOTE}`,
          params: ReleasesParams,
          querystring: FeedQuery,
          response: { 200: TextFeed, ...errorResponses(401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, arch } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const architecture = ELECTRON_ARCHES[arch as keyof typeof ELECTRON_ARCHES];
        const chosen = updates.check(
          index,
          'windows',
          architecture,
          clientIdOf(request),
          SQUIRREL_WINDOWS_BUILDS,
        );
        const offer = chosen.target.candidates[chosen.offerIndex];
        if (offer === undefined)
          throw noFeed(`No Squirrel package (.nupkg with a sha1) for windows/${architecture}`);
        const body = memoised(chosen.target.responses, `releases|${chosen.offerIndex}`, () =>
          releasesFile(offer),
        );
        return sendText(reply, 'text/plain; charset=utf-8', body);
      },
    );

    app.get(
      `${BASE}/electron-updater/:file`,
      {
        config,
        constraints,
        schema: {
          hide,
          tags: ['updates'],
          summary: 'electron-updater feed (generic provider)',
          description: `\`latest.yml\` (Windows), \`latest-mac.yml\`, \`latest-linux.yml\` and their \`-arm64\` variants for electron-updater’s generic provider pointed at \`…/electron-updater\`; the channel’s own name works instead of \`latest\`. Builds need a sha512 checksum; a partial rollout is published as \`stagingPercentage\`.${ACCESS_NOTE}`,
          params: YmlParams,
          querystring: FeedQuery,
          response: { 200: TextFeed, ...errorResponses(401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, file } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const target = ymlTarget(file, channelId);
        if (target === undefined) throw new AppError('NOT_FOUND', `No feed file '${file}' in this channel`);
        const body = memoised(index.responses, `yml|${file}`, () => {
          const latest = latestForYml(index.channel, target);
          return latest === undefined ? undefined : electronUpdaterYml(latest.version, latest.files);
        });
        if (body === '') throw noFeed(`No release with a ${target.platform} build (with sha512)`);
        return sendText(reply, 'text/yaml; charset=utf-8', body);
      },
    );

    app.get(
      `${BASE}/sparkle/appcast.xml`,
      {
        config,
        constraints,
        schema: {
          hide,
          tags: ['updates'],
          summary: 'Sparkle appcast',
          description: `An RSS appcast for Sparkle: the release offered to this client (staged rollouts use \`client_id\`), then older releases. Items carry \`sparkle:version\`, \`shortVersionString\`, \`pubDate\`, \`criticalUpdate\` (from \`min_supported_version\`) and the enclosure with its \`sparkle:edSignature\` when the build has a signature.${ACCESS_NOTE}`,
          params: ChannelFeedParams,
          querystring: SparkleQuery,
          response: { 200: TextFeed, ...errorResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const { projectId, channelId } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const architecture = request.query.architecture ?? 'universal';
        const chosen = updates.check(index, 'macos', architecture, clientIdOf(request), SPARKLE_BUILDS);
        const body = memoised(chosen.target.responses, `appcast|${chosen.offerIndex}`, () =>
          appcast(index.project, index.channel.info.name, chosen.target.candidates, chosen.offerIndex),
        );
        return sendText(reply, 'application/xml; charset=utf-8', body);
      },
    );
  }
}
