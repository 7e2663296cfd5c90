/** Request and response schemas of the catalog read API (field names as the API reference). */
import { type Static, Type } from 'typebox';

const timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' });
const nullableString = Type.Union([Type.String(), Type.Null()]);

// Path ids are not pattern-checked on reads: an unknown id is a 404 of its level, not a 400.
const pathId = (description: string) => Type.String({ minLength: 1, maxLength: 128, description });
export const ProjectParams = Type.Object({ projectId: pathId('Project id') });
export const ChannelParams = Type.Object({
  projectId: pathId('Project id'),
  channelId: pathId('Release channel (stable, beta, dev…)'),
});
export const VersionParams = Type.Object({
  ...ChannelParams.properties,
  versionId: pathId('Version (semver; a leading `v` is accepted)'),
});
export const BuildParams = Type.Object({
  ...VersionParams.properties,
  buildId: pathId('Build id, `<platform>-<architecture>` by default'),
});

const page = Type.Integer({ minimum: 1, default: 1, description: 'Page number' });
const perPage = Type.Integer({
  minimum: 1,
  maximum: 100,
  default: 20,
  description: 'Results per page (max 100)',
});

export const ProjectListQuery = Type.Object({ page, per_page: perPage }, { additionalProperties: false });
export const VersionListQuery = Type.Object(
  {
    page,
    per_page: perPage,
    sort: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      default: 'desc',
      description: 'Sort order by semver precedence (prereleases before their release)',
    }),
  },
  { additionalProperties: false },
);
export type VersionListQueryShape = Static<typeof VersionListQuery>;

export const ChecksumView = Type.Object({
  sha256: Type.String(),
  sha512: Type.Optional(Type.String()),
  sha1: Type.Optional(Type.String()),
  md5: Type.Optional(Type.String()),
});

export const ProjectListItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  repository: Type.Union([Type.String({ description: '`owner/name` on GitHub' }), Type.Null()]),
  channels: Type.Array(Type.String(), { description: 'Channel ids' }),
  created_at: timestamp,
  updated_at: timestamp,
});

export const ProjectListResponse = Type.Object({
  projects: Type.Array(ProjectListItem),
  total: Type.Integer(),
  page: Type.Integer(),
  per_page: Type.Integer(),
});

export const ChannelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  auto_update: Type.Boolean(),
  includes: Type.Array(Type.String(), { description: 'Channels whose releases this channel also offers' }),
});

export const ProjectDetails = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  repository: nullableString,
  homepage: nullableString,
  channels: Type.Array(ChannelView),
  latest_version: Type.Union([Type.String(), Type.Null()], {
    description: 'Newest published version offered by `stable` (else by the first channel)',
  }),
  total_downloads: Type.Integer({ description: 'Downloads of every build of the project' }),
  created_at: timestamp,
  updated_at: timestamp,
});

export const VersionListItem = Type.Object({
  id: Type.String({ description: 'The semver version' }),
  name: Type.String(),
  description: Type.String(),
  release_notes: Type.String({ description: 'Markdown' }),
  breaking_changes: Type.Boolean(),
  published_at: timestamp,
  downloads: Type.Integer({ description: 'Downloads of all builds of this version' }),
  build_count: Type.Integer(),
});

export const VersionListResponse = Type.Object({
  versions: Type.Array(VersionListItem),
  total: Type.Integer({ description: 'Published versions in the channel' }),
  page: Type.Integer(),
  per_page: Type.Integer(),
});

export const BuildSummary = Type.Object({
  id: Type.String(),
  platform: Type.String(),
  architecture: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer({ description: 'Bytes' }),
  download_url: Type.String(),
  checksum: ChecksumView,
});

export const VersionDetails = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  release_notes: Type.String(),
  breaking_changes: Type.Boolean(),
  published_at: timestamp,
  downloads: Type.Integer(),
  builds: Type.Array(BuildSummary),
  channel: Type.String({ description: 'The channel the version is published in' }),
  min_supported_version: Type.Union([Type.String(), Type.Null()], {
    description: 'Installations older than this must update',
  }),
});

export const BuildDetails = Type.Object({
  id: Type.String(),
  version: Type.String(),
  platform: Type.String(),
  architecture: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer(),
  download_url: Type.String(),
  checksum: ChecksumView,
  signature: Type.Optional(Type.String({ description: 'Updater signature, when the build has one' })),
  min_os_version: Type.Optional(Type.String({ description: 'Lowest OS version the build runs on' })),
  created_at: timestamp,
  downloads: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('failed')], {
    description: 'Build verification state',
  }),
  verified_at: Type.Union([timestamp, Type.Null()], {
    description: 'When the build was last verified (null while pending)',
  }),
});

/** The body-less answers of cached reads and of the download redirect, for the OpenAPI document. */
export const NotModified = Type.Null({ description: 'Not modified: the `If-None-Match` ETag still matches' });
export const DownloadRedirect = Type.Null({ description: 'Redirect to the file (`Location`)' });
