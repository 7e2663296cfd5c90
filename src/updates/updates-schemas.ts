/** Request and response schemas of the update check and the launcher check. */
import { type Static, Type } from 'typebox';
import { ChecksumView } from '../catalog/catalog-schemas.js';
import { ARCHITECTURES, type Architecture, PLATFORMS, type Platform } from '../catalog/catalog-targets.js';
import type { RouteContract } from '../http/route-contract.js';
import { MAX_CLIENT_ID_LENGTH } from './rollout-bucket.js';

const slug = (description?: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', ...(description ? { description } : {}) });
const versionInput = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Semver; a leading `v` is accepted',
});
export const platform = Type.Unsafe<Platform>({ type: 'string', enum: [...PLATFORMS] });
export const architecture = Type.Unsafe<Architecture>({
  type: 'string',
  enum: [...ARCHITECTURES],
  description: 'A macOS `universal` build serves x64 and arm64 clients',
});
export const clientId = Type.String({
  minLength: 1,
  maxLength: MAX_CLIENT_ID_LENGTH,
  description:
    'Stable id of the installation, for staged rollouts (or the `X-Client-Id` header). Without one, only versions rolled out to 100 % are offered.',
});

export const UpdateParams = Type.Object({ projectId: slug(), channelId: slug() });

export const UpdateQuery = Type.Object(
  {
    current_version: versionInput,
    platform,
    architecture,
    client_id: Type.Optional(clientId),
  },
  { additionalProperties: false },
);
export type UpdateQueryShape = Static<typeof UpdateQuery>;

const timestamp = Type.String({ format: 'date-time' });

export const UpdateResponse = Type.Object(
  {
    update_available: Type.Boolean(),
    current_version: Type.String(),
    latest_version: Type.Union([Type.String(), Type.Null()], {
      description: 'The newest version offered to this client; null when none is',
    }),
    breaking_changes: Type.Optional(
      Type.Boolean({ description: 'A version in the skipped range is breaking, or the major changes' }),
    ),
    release_notes: Type.Optional(Type.String()),
    download_url: Type.Optional(Type.String()),
    file_name: Type.Optional(Type.String()),
    file_size: Type.Optional(Type.Integer()),
    checksum: Type.Optional(ChecksumView),
    signature: Type.Optional(Type.String({ description: 'Updater signature of the build' })),
    published_at: Type.Optional(timestamp),
    mandatory: Type.Optional(
      Type.Boolean({ description: 'The current version is below a `min_supported_version` in the range' }),
    ),
    rollout: Type.Optional(
      Type.Object({
        percentage: Type.Integer({ description: 'Share of clients the offered version is rolled out to' }),
      }),
    ),
    rollback: Type.Optional(
      Type.Boolean({ description: 'The current version was yanked and the offer is older than it' }),
    ),
    message: Type.Optional(Type.String()),
  },
  {
    examples: [
      {
        update_available: false,
        current_version: '1.2.5',
        latest_version: '1.2.5',
        message: 'You are running the latest version',
      },
    ],
  },
);
export type UpdateResponseShape = Static<typeof UpdateResponse>;

export const MAX_LAUNCHER_ITEMS = 100;

export const LauncherCheckBody = Type.Object(
  {
    client: Type.Object(
      {
        launcher_version: versionInput,
        os: platform,
        os_version: Type.Optional(Type.String({ maxLength: 100 })),
        architecture,
        channel: Type.Optional(slug('Channel of the launcher itself (default stable)')),
      },
      { additionalProperties: false },
    ),
    installed: Type.Array(
      Type.Object(
        {
          project_id: Type.String({ minLength: 1, maxLength: 100 }),
          version: Type.String({ minLength: 1, maxLength: 128 }),
          channel: Type.Optional(
            Type.String({ minLength: 1, maxLength: 100, description: 'Default stable' }),
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_LAUNCHER_ITEMS, description: `At most ${MAX_LAUNCHER_ITEMS} items` },
    ),
  },
  { additionalProperties: false },
);
export type LauncherCheckInput = Static<typeof LauncherCheckBody>;

const EntryError = Type.Object({ code: Type.String(), message: Type.String() });

export const LauncherUpdate = Type.Object({
  available: Type.Boolean(),
  current: Type.String(),
  latest: Type.Union([Type.String(), Type.Null()]),
  breaking_changes: Type.Optional(Type.Boolean()),
  mandatory: Type.Optional(Type.Boolean()),
  rollback: Type.Optional(Type.Boolean()),
  download_url: Type.Optional(Type.String()),
  file_size: Type.Optional(Type.Integer()),
  checksum: Type.Optional(ChecksumView),
  message: Type.Optional(Type.String()),
  error: Type.Optional(EntryError),
});
export type LauncherUpdateShape = Static<typeof LauncherUpdate>;

export const ProjectUpdateEntry = Type.Object({
  project_id: Type.String(),
  update_available: Type.Boolean(),
  current_version: Type.String(),
  latest_version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  breaking_changes: Type.Optional(Type.Boolean()),
  mandatory: Type.Optional(Type.Boolean()),
  rollback: Type.Optional(Type.Boolean()),
  download_url: Type.Optional(Type.String()),
  file_size: Type.Optional(Type.Integer()),
  checksum: Type.Optional(ChecksumView),
  message: Type.Optional(Type.String()),
  error: Type.Optional(EntryError),
});
export type ProjectUpdateEntryShape = Static<typeof ProjectUpdateEntry>;

export const LauncherCheckResponse = Type.Object({
  updates_available: Type.Boolean({ description: 'The launcher or any installed project can update' }),
  launcher_update: LauncherUpdate,
  project_updates: Type.Array(ProjectUpdateEntry, { description: 'One entry per installed item, in order' }),
});

/** How the update checks are guarded, whichever path answers them (the router or the fast lane). */
export const CHECK_UPDATES_CONTRACT = {
  auth: 'key',
  permission: 'canCheckUpdates',
  rateGroup: 'key',
} as const satisfies RouteContract;
