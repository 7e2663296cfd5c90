/**
 * `GET /projects/:projectId/channels/:channelId/update` in the fast lane (see `http/fast-lane.ts`),
 * guarded by the route's own contract. It accepts exactly what the route's schema accepts, in plain
 * form (no percent-encoding, each parameter once), and answers only from a memoised body; anything
 * else goes to the route itself.
 */

import { ARCHITECTURES, PLATFORMS } from '../catalog/catalog-targets.js';
import type { FastAnswer, FastLaneRoute } from '../http/fast-lane.js';
import type { LinkBaseOf } from '../http/link-base.js';
import { clientIdFrom } from './client-id.js';
import { MEMOISED_CACHE_CONTROL } from './memoised-answers.js';
import { MAX_CLIENT_ID_LENGTH } from './rollout-bucket.js';
import { CHECK_UPDATES_CONTRACT, type UpdateQueryShape } from './updates-schemas.js';
import type { UpdatesService } from './updates-service.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const PATH = /^\/projects\/([a-z0-9][a-z0-9-]{0,63})\/channels\/([a-z0-9][a-z0-9-]{0,63})\/update\/?$/;
const PLATFORM_SET: ReadonlySet<string> = new Set(PLATFORMS);
const ARCHITECTURE_SET: ReadonlySet<string> = new Set(ARCHITECTURES);

/** The query as the route's schema would accept it, or undefined for anything unusual. */
export function plainUpdateQuery(query: string): UpdateQueryShape | undefined {
  if (query === '' || query.includes('%') || query.includes('+')) return undefined;
  // Read in one pass without intermediate arrays or objects: this runs on every warm update check.
  let current_version: string | undefined;
  let platform: string | undefined;
  let architecture: string | undefined;
  let client_id: string | undefined;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const equals = query.indexOf('=', start);
    if (equals <= start || equals >= end) return undefined;
    const name = query.slice(start, equals);
    const value = query.slice(equals + 1, end);
    if (name === 'current_version' && current_version === undefined) current_version = value;
    else if (name === 'platform' && platform === undefined) platform = value;
    else if (name === 'architecture' && architecture === undefined) architecture = value;
    else if (name === 'client_id' && client_id === undefined) client_id = value;
    else return undefined; // an unknown or repeated parameter
    start = end + 1;
  }
  if (current_version === undefined || current_version === '' || current_version.length > 128) return;
  if (platform === undefined || !PLATFORM_SET.has(platform)) return undefined;
  if (architecture === undefined || !ARCHITECTURE_SET.has(architecture)) return undefined;
  if (client_id === undefined) return { current_version, platform, architecture } as UpdateQueryShape;
  if (client_id === '' || client_id.length > MAX_CLIENT_ID_LENGTH) return undefined;
  return { current_version, platform, architecture, client_id } as UpdateQueryShape;
}

export function updateCheckFastRoute(updates: UpdatesService, linkBaseOf: LinkBaseOf): FastLaneRoute {
  return {
    pattern: '/projects/:projectId/channels/:channelId/update',
    contract: CHECK_UPDATES_CONTRACT,
    matches: (path) => path.endsWith('/update') || path.endsWith('/update/'),
    answer(path, query, request, caller): FastAnswer | undefined {
      // Conditional requests (304) are the route's to answer.
      if (request.headers['if-none-match'] !== undefined) return undefined;
      const match = PATH.exec(path);
      const parsed = match && plainUpdateQuery(query);
      const base = linkBaseOf(request);
      if (!match || !parsed || base === undefined) return undefined;
      let clientId: string | undefined;
      try {
        clientId = clientIdFrom(parsed.client_id, request.headers);
      } catch {
        return undefined; // the route answers the 400
      }
      const params = { projectId: match[1]!, channelId: match[2]! };
      const answer = updates.warmUpdateCheck(caller, params, parsed, clientId, base);
      const entry = answer?.memo.get(answer.key);
      if (entry === undefined) return undefined;
      return {
        body: entry.body,
        headers: ['cache-control', MEMOISED_CACHE_CONTROL, 'content-type', JSON_TYPE, 'etag', entry.etag],
      };
    },
  };
}
