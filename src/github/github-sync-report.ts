/** What one sync did: the answer of `POST /admin/projects/:projectId/sync`, the audit entry, the logs. */
import { type Static, Type } from 'typebox';

export type SyncTrigger = 'manual' | 'schedule' | 'webhook';

const VersionRef = {
  version: Type.String(),
  channel: Type.String(),
  tag: Type.String({ description: 'The GitHub release tag' }),
};

export const SyncReportSchema = Type.Object(
  {
    project: Type.String(),
    repository: Type.String({ description: '`owner/name` on GitHub' }),
    trigger: Type.Union([Type.Literal('manual'), Type.Literal('schedule'), Type.Literal('webhook')]),
    status: Type.Union(
      [
        Type.Literal('synced'),
        Type.Literal('unchanged'),
        Type.Literal('rate_limited'),
        Type.Literal('failed'),
      ],
      {
        description:
          '`synced`: the catalog was brought in line (possibly with no change); `unchanged`: GitHub answered 304 for everything; `rate_limited`: GitHub refused, nothing was changed, retry after `retry_at`; `failed`: GitHub or the repository was unavailable (`error`), nothing was changed.',
      },
    ),
    started_at: Type.String({ format: 'date-time' }),
    finished_at: Type.String({ format: 'date-time' }),
    added: Type.Array(Type.Object({ ...VersionRef, builds: Type.Integer() })),
    updated: Type.Array(
      Type.Object({ ...VersionRef, changes: Type.Array(Type.String(), { description: 'What changed' }) }),
    ),
    yanked: Type.Array(Type.Object({ ...VersionRef, reason: Type.String() })),
    skipped: Type.Array(
      Type.Object({
        tag: Type.String(),
        asset: Type.Optional(
          Type.String({ description: 'Set when one asset, not the release, was skipped' }),
        ),
        reason: Type.String(),
      }),
    ),
    unchanged: Type.Integer({ description: 'Releases already in the catalog as they are on GitHub' }),
    requests: Type.Object({
      total: Type.Integer({ description: 'GitHub API requests made' }),
      not_modified: Type.Integer({ description: 'Of which answered 304 (free of rate limit)' }),
    }),
    retry_at: Type.Optional(Type.String({ format: 'date-time', description: 'When rate limited' })),
    error: Type.Optional(Type.String({ description: 'When failed' })),
  },
  { description: 'The outcome of one GitHub Releases synchronisation' },
);

export type SyncReport = Static<typeof SyncReportSchema>;

export function emptyReport(
  project: string,
  repository: string,
  trigger: SyncTrigger,
  at: string,
): SyncReport {
  return {
    project,
    repository,
    trigger,
    status: 'synced',
    started_at: at,
    finished_at: at,
    added: [],
    updated: [],
    yanked: [],
    skipped: [],
    unchanged: 0,
    requests: { total: 0, not_modified: 0 },
  };
}
