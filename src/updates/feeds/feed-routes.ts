/**
 * Native updater feeds. Each path is registered twice (`http/credential-constraint.ts`):
 * - with a key: `canCheckUpdates`, the key's rate limit, and `allowedProjects` like every read;
 * - without: public, limited by the unauthenticated IP budget, and served only for projects with
 *   `public_feeds: true` — many updater clients cannot send headers. Any other project gets the 401
 *   a keyed route gives, whether it exists or not.
 * Links are absolute; a keyed answer about a project without public feeds carries the key's download
 * token in them. Bodies are memoised per snapshot, client bucket and links, with a strong ETag;
 * an empty memo entry stands for 204/404.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { linksKey } from '../../catalog/build-links.js';
import { NotModified } from '../../catalog/catalog-schemas.js';
import { AppError } from '../../errors.js';
import { documentResponse, errorResponses } from '../../http/common-schemas.js';
import { credentialVariants } from '../../http/credential-constraint.js';
import { clientIdOf } from '../client-id.js';
import { type MemoisedBody, memoised, sendMemoised, sendNoUpdate } from '../memoised-answers.js';
import { ANY_BUILD, type ChannelIndex } from '../update-candidates.js';
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
  UpToDate,
  YmlParams,
} from './feed-schemas.js';
import { appcast } from './sparkle.js';
import { releasesFile } from './squirrel-releases.js';
import { tauriUpdate } from './tauri.js';

const BASE = '/projects/:projectId/channels/:channelId';
const KEYED = { auth: 'key', permission: 'canCheckUpdates', rateGroup: 'key' } as const;
const ACCESS_NOTE =
  ' Needs a key with `canCheckUpdates`, unless the project sets `public_feeds: true`: then requests without credentials are served too (limited per IP like unauthenticated requests). Download links are absolute; answered to a key for a project without public feeds, they carry a download token so that the file downloads without a header. Answers carry a strong `ETag`; `If-None-Match` gets 304.';
const JSON_TYPE = 'application/json; charset=utf-8';

const noFeed = (what: string) => new AppError('NOT_FOUND', `${what} is available in this channel`);

function sendJsonOrNoUpdate(request: FastifyRequest, reply: FastifyReply, entry: MemoisedBody) {
  return entry.body === '' ? sendNoUpdate(reply) : sendMemoised(request, reply, entry, JSON_TYPE);
}

export async function feedRoutes(instance: FastifyInstance, deps: { updates: UpdatesService }) {
  const { updates } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const linksFor = (request: FastifyRequest, index: ChannelIndex) =>
    updates.links(request.linkBase, request.caller, index.project);

  // Each feed twice: the keyed variant (documented) and the public one (same handler, hidden).
  for (const variant of credentialVariants(instance, KEYED)) {
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
          response: {
            200: TauriUpdateResponse,
            204: UpToDate,
            304: NotModified,
            ...errorResponses(400, 401, 403, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, target, arch, currentVersion } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const platform = TAURI_TARGETS[target as keyof typeof TAURI_TARGETS];
        const architecture = TAURI_ARCHES[arch as keyof typeof TAURI_ARCHES];
        // Targets the catalog has no builds for (armv7, riscv64): nothing to update to.
        if (architecture === null) return sendNoUpdate(reply);
        const chosen = updates.check(index, platform, architecture, clientIdOf(request), TAURI_BUILDS);
        const links = linksFor(request, index);
        const key = `tauri|${currentVersion}|${chosen.offerIndex}|${linksKey(links)}`;
        const entry = memoised(chosen.target.responses, key, () => {
          const update = tauriUpdate(updates.resolve(chosen, currentVersion, 'currentVersion'), links);
          return update === undefined ? undefined : String(reply.serialize(update));
        });
        return sendJsonOrNoUpdate(request, reply, entry);
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
            304: NotModified,
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
        const links = linksFor(request, index);
        const key = `electron|${currentVersion}|${chosen.offerIndex}|${linksKey(links)}`;
        const entry = memoised(chosen.target.responses, key, () => {
          const update = electronUpdate(updates.resolve(chosen, currentVersion, 'currentVersion'), links);
          return update === undefined ? undefined : String(reply.serialize(update));
        });
        return sendJsonOrNoUpdate(request, reply, entry);
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
          response: {
            200: documentResponse('text/plain', 'The RELEASES file: `SHA1 url size` per line'),
            304: NotModified,
            ...errorResponses(401, 403, 404, 429),
          },
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
        const links = linksFor(request, index);
        const key = `releases|${chosen.offerIndex}|${linksKey(links)}`;
        const entry = memoised(chosen.target.responses, key, () => releasesFile(offer, links));
        return sendMemoised(request, reply, entry, 'text/plain; charset=utf-8');
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
          description: `\`latest.yml\` (Windows), \`latest-mac.yml\`, \`latest-linux.yml\` and their \`-arm64\` variants for electron-updater’s generic provider pointed at \`…/electron-updater\`; the channel’s own name works instead of \`latest\`, and another channel’s name (\`beta.yml\`, what electron-updater asks once its \`channel\` is beta) serves that channel of the project. Builds need a sha512 checksum; a partial rollout is published as \`stagingPercentage\`.${ACCESS_NOTE}`,
          params: YmlParams,
          querystring: FeedQuery,
          response: {
            200: documentResponse('text/yaml', 'The electron-updater YAML document'),
            304: NotModified,
            ...errorResponses(401, 403, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const { projectId, channelId, file } = request.params;
        const pathIndex = await updates.feedChannel(request.caller, projectId, channelId);
        const target = ymlTarget(file, channelId);
        if (target === undefined) throw new AppError('NOT_FOUND', `No feed file '${file}' in this channel`);
        // electron-updater names the channel in the file (`beta.yml` once `autoUpdater.channel` is
        // beta): another channel of the project is served as that channel.
        const index =
          target.channel === undefined
            ? pathIndex
            : await updates.feedChannel(request.caller, projectId, target.channel);
        const links = linksFor(request, index);
        const entry = memoised(index.responses, `yml|${file}|${linksKey(links)}`, () => {
          const latest = latestForYml(index.channel, target);
          return latest === undefined ? undefined : electronUpdaterYml(latest.version, latest.files, links);
        });
        if (entry.body === '') throw noFeed(`No release with a ${target.platform} build (with sha512)`);
        return sendMemoised(request, reply, entry, 'text/yaml; charset=utf-8');
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
          response: {
            200: documentResponse('application/xml', 'The RSS appcast'),
            304: NotModified,
            ...errorResponses(400, 401, 403, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const { projectId, channelId } = request.params;
        const index = await updates.feedChannel(request.caller, projectId, channelId);
        const architecture = request.query.architecture ?? 'universal';
        const chosen = updates.check(index, 'macos', architecture, clientIdOf(request), SPARKLE_BUILDS);
        const links = linksFor(request, index);
        const entry = memoised(
          chosen.target.responses,
          `appcast|${chosen.offerIndex}|${linksKey(links)}`,
          () =>
            appcast(
              index.project,
              index.channel.info.name,
              chosen.target.candidates,
              chosen.offerIndex,
              links,
            ),
        );
        return sendMemoised(request, reply, entry, 'application/xml; charset=utf-8');
      },
    );
  }
}
