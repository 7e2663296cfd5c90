/**
 * What administrators read of versions: every state (drafts, published, yanked), straight from the
 * database, so that an interrupted publish can be found, resumed or deleted. Readers never see
 * these: their routes answer from the read model, which holds published versions only.
 */
import type { Caller } from '../keys/caller.js';
import type {
  AdminVersion,
  AdminVersionListEntry,
  AdminVersionListQueryShape,
} from './catalog-admin-schemas.js';
import { sortByVersion } from './catalog-semver.js';
import type { VersionPath } from './catalog-version-admin-service.js';
import { adminVersion, adminVersionListItem } from './catalog-views.js';
import type { CatalogWriter } from './catalog-writer.js';

export interface AdminVersionList {
  versions: AdminVersionListEntry[];
  total: number;
  page: number;
  per_page: number;
}

export function createCatalogVersionAdminReads(deps: { writer: CatalogWriter }) {
  const { writer } = deps;

  return {
    /** A channel's versions by semver (`sort`), optionally of one `status`, a page at a time. */
    listVersions(
      caller: Caller,
      path: { projectId: string; channelId: string },
      query: AdminVersionListQueryShape,
    ): Promise<AdminVersionList> {
      return writer.readProject(caller, path.projectId, async (frame) => {
        await frame.channel(path.channelId);
        const entries = await frame.queries.listChannelVersions(path.projectId, path.channelId, query.status);
        const ordered = sortByVersion(entries, (entry) => entry.row.version, query.sort);
        const start = (query.page - 1) * query.per_page;
        return {
          versions: ordered
            .slice(start, start + query.per_page)
            .map((entry) => adminVersionListItem(entry.row, entry.buildCount)),
          total: ordered.length,
          page: query.page,
          per_page: query.per_page,
        };
      });
    },

    /** One version in any state, with its builds as administrators see them. */
    version(caller: Caller, path: VersionPath, base: string): Promise<AdminVersion> {
      return writer.readProject(caller, path.projectId, async (frame) => {
        const { key, row } = await frame.version(path.channelId, path.versionId);
        return adminVersion(row, await frame.queries.listBuilds(key), base);
      });
    },
  };
}

export type CatalogVersionAdminReads = ReturnType<typeof createCatalogVersionAdminReads>;
