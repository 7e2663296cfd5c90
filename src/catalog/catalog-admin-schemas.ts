/** Request and response schemas of the catalog admin API. */
import { type Static, Type } from 'typebox';
import { ChecksumView, VersionListQuery } from './catalog-schemas.js';
import { ARCHITECTURES, type Architecture, PLATFORMS, type Platform } from './catalog-targets.js';

const slug = (description: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: `${description} (a slug)` });
const timestamp = Type.String({ format: 'date-time' });
const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const name = Type.String({ minLength: 1, maxLength: 200 });
const description = Type.String({ maxLength: 5_000 });
const repository = Type.String({
  pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$',
  maxLength: 200,
  description: '`owner/name` on GitHub',
});
const httpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2_048 });
const versionInput = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Semver; a leading `v` is stripped',
});

const channelFields = {
  name: Type.Optional(name),
  description: Type.Optional(description),
  auto_update: Type.Optional(Type.Boolean()),
  includes: Type.Optional(
    Type.Array(slug('Channel id'), {
      maxItems: 20,
      uniqueItems: true,
      description:
        'Channels whose releases this one also offers (default: beta → stable; dev → beta, stable)',
    }),
  ),
};

export const CreateChannelBody = Type.Object(
  { id: slug('Channel id'), ...channelFields },
  { additionalProperties: false },
);
export type CreateChannelInput = Static<typeof CreateChannelBody>;

export const UpdateChannelBody = Type.Object(channelFields, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateChannelInput = Static<typeof UpdateChannelBody>;

export const CreateProjectBody = Type.Object(
  {
    id: slug('Project id'),
    name,
    description: Type.Optional(description),
    repository: Type.Optional(nullable(repository)),
    homepage: Type.Optional(nullable(httpUrl)),
    public_feeds: Type.Optional(
      Type.Boolean({ description: 'Serve native updater feeds without a key (default false)' }),
    ),
    channels: Type.Optional(
      Type.Array(CreateChannelBody, { minItems: 1, maxItems: 20, description: 'Default: stable and beta' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        id: 'trackly',
        name: 'Trackly',
        description: 'Business asset management system',
        repository: 'LunarBit-dev/Trackly',
        homepage: 'https://trackly.lunarbit.dev',
      },
    ],
  },
);
export type CreateProjectInput = Static<typeof CreateProjectBody>;

export const UpdateProjectBody = Type.Object(
  {
    name: Type.Optional(name),
    description: Type.Optional(description),
    repository: Type.Optional(nullable(repository)),
    homepage: Type.Optional(nullable(httpUrl)),
    public_feeds: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, description: 'Fields to change; `null` clears' },
);
export type UpdateProjectInput = Static<typeof UpdateProjectBody>;

export const DeleteQuery = Type.Object(
  {
    force: Type.Boolean({
      default: false,
      description: 'Delete even while published versions exist (they are deleted too)',
    }),
  },
  { additionalProperties: false },
);

const versionFields = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default: `v<version>`' })),
  description: Type.Optional(description),
  release_notes: Type.Optional(Type.String({ maxLength: 200_000, description: 'Markdown' })),
  breaking_changes: Type.Optional(Type.Boolean()),
  min_supported_version: Type.Optional(Type.Union([versionInput, Type.Null()])),
  rollout_percentage: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 100, description: 'Staged rollout (default 100)' }),
  ),
};

export const CreateVersionBody = Type.Object(
  {
    version: versionInput,
    ...versionFields,
    status: Type.Optional(
      Type.Union([Type.Literal('draft'), Type.Literal('published')], { description: 'Default: draft' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateVersionInput = Static<typeof CreateVersionBody>;

export const UpdateVersionBody = Type.Object(versionFields, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateVersionInput = Static<typeof UpdateVersionBody>;

export const YankBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2_000, description: 'Shown to administrators' }) },
  { additionalProperties: false },
);
export const PromoteBody = Type.Object(
  { to_channel: slug('Target channel id') },
  { additionalProperties: false },
);

export const CreateBuildBody = Type.Object(
  {
    id: Type.Optional(slug('Build id; default `<platform>-<architecture>`')),
    platform: Type.Unsafe<Platform>({ type: 'string', enum: [...PLATFORMS] }),
    architecture: Type.Unsafe<Architecture>({
      type: 'string',
      enum: [...ARCHITECTURES],
      description: 'A macOS `universal` build serves x64 and arm64',
    }),
    file_name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' }),
    file_size: Type.Integer({ minimum: 0, description: 'Bytes' }),
    download_url: httpUrl,
    checksum: Type.Object(
      {
        sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Hex' }),
        sha512: Type.Optional(
          Type.String({
            pattern: '^([0-9a-fA-F]{128}|[A-Za-z0-9+/]{86}==)$',
            description: 'Hex or base64 (stored as hex)',
          }),
        ),
        md5: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: 'Hex' })),
        sha1: Type.Optional(
          Type.String({
            pattern: '^[0-9a-fA-F]{40}$',
            description:
              'Hex; needed for Squirrel.Windows `.nupkg` builds (RELEASES lists packages by SHA-1)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    signature: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10_000, description: 'Updater signature' }),
    ),
    min_os_version: Type.Optional(
      Type.String({
        pattern: '^[0-9]+(\\.[0-9]+){0,3}$',
        description:
          'Lowest OS version the build runs on, e.g. `12.0` (Sparkle feeds: `sparkle:minimumSystemVersion`)',
      }),
    ),
  },
  { additionalProperties: false, description: 'A build hosted elsewhere (a CDN, a release page)' },
);
export type CreateBuildInput = Static<typeof CreateBuildBody>;

export const AdminChannelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  auto_update: Type.Boolean(),
  includes: Type.Array(Type.String()),
  created_at: timestamp,
  updated_at: timestamp,
});
export type AdminChannel = Static<typeof AdminChannelView>;

export const AdminProjectView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  repository: Type.Union([Type.String(), Type.Null()]),
  homepage: Type.Union([Type.String(), Type.Null()]),
  public_feeds: Type.Boolean(),
  channels: Type.Array(AdminChannelView),
  created_at: timestamp,
  updated_at: timestamp,
});
export type AdminProject = Static<typeof AdminProjectView>;

export const AdminBuildView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  platform: Type.String(),
  architecture: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer(),
  download_url: Type.String(),
  checksum: ChecksumView,
  signature: Type.Union([Type.String(), Type.Null()]),
  min_os_version: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('failed')], {
    description:
      '`failed` only on definitive evidence (HTTP 404/410, a size or checksum mismatch, a missing stored file); ' +
      'a host that cannot be reached leaves a build `pending` (still offered to clients) or `verified`',
  }),
  status_reason: Type.Union([Type.String(), Type.Null()], {
    description:
      'What the last check found: how the build was verified, why it failed, or — when the host could not be ' +
      "reached — what happened and when it is retried (e.g. 'unreachable: getaddrinfo ENOTFOUND cdn.example.com; " +
      "retrying at 2026-02-07T12:01:00Z'); a failed build keeps the reason it failed for",
  }),
  verified_at: Type.Union([timestamp, Type.Null()], { description: 'When `status` was last decided' }),
  verification_attempts: Type.Integer({
    minimum: 0,
    description: 'Checks in a row that could not reach the file (0 after a conclusive check)',
  }),
  next_retry_at: Type.Union([timestamp, Type.Null()], {
    description:
      'When verification tries again after a check that could not reach the file (backoff: 1 min, 2, 4 … ' +
      'up to VERIFY_INTERVAL_MS); null when no retry is scheduled',
  }),
  stored: Type.Boolean({ description: 'True when the file was uploaded to this gateway' }),
  downloads: Type.Integer(),
  created_at: timestamp,
});
export type AdminBuild = Static<typeof AdminBuildView>;

export const AdminVersionView = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  name: Type.String(),
  description: Type.String(),
  release_notes: Type.String(),
  breaking_changes: Type.Boolean(),
  min_supported_version: Type.Union([Type.String(), Type.Null()]),
  rollout_percentage: Type.Integer(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('yanked')]),
  published_at: Type.Union([timestamp, Type.Null()]),
  yanked_at: Type.Union([timestamp, Type.Null()]),
  yank_reason: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('manual'), Type.Literal('github')]),
  edited_fields: Type.Array(Type.String(), { description: 'Fields changed through the admin API' }),
  builds: Type.Array(AdminBuildView),
  created_at: timestamp,
  updated_at: timestamp,
});
export type AdminVersion = Static<typeof AdminVersionView>;

const versionStatus = (options: { description?: string } = {}) =>
  Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('yanked')], options);

export const AdminVersionListQuery = Type.Object(
  {
    ...VersionListQuery.properties,
    status: Type.Optional(
      versionStatus({ description: 'Only versions in this state (default: every state)' }),
    ),
  },
  { additionalProperties: false },
);
export type AdminVersionListQueryShape = Static<typeof AdminVersionListQuery>;

export const AdminVersionListItem = Type.Object({
  id: Type.String({ description: 'The semver version' }),
  channel: Type.String(),
  name: Type.String(),
  description: Type.String(),
  breaking_changes: Type.Boolean(),
  min_supported_version: Type.Union([Type.String(), Type.Null()]),
  rollout_percentage: Type.Integer(),
  status: versionStatus(),
  published_at: Type.Union([timestamp, Type.Null()], { description: 'Null for a version never published' }),
  yanked_at: Type.Union([timestamp, Type.Null()]),
  yank_reason: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('manual'), Type.Literal('github')]),
  build_count: Type.Integer(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type AdminVersionListEntry = Static<typeof AdminVersionListItem>;

export const AdminVersionListResponse = Type.Object({
  versions: Type.Array(AdminVersionListItem),
  total: Type.Integer({ description: 'Versions of the channel in the requested state' }),
  page: Type.Integer(),
  per_page: Type.Integer(),
});
