/**
 * Writes what a sync decided into the catalog, inside the caller's transaction, and only what
 * differs: a release whose fingerprint is unchanged is not looked at, and a changed one updates only
 * the fields that differ. Fields an admin edited (`edited_fields`) and builds added by hand are
 * never touched; versions created by hand are never taken over.
 */
import type { Insertable } from 'kysely';
import type { CatalogQueries, VersionKey, VersionRow } from '../catalog/catalog-repo.js';
import type { BuildsTable } from '../db/tables.js';
import type { PlannedBuild, PlannedVersion } from './github-release-mapping.js';
import type { GithubSyncQueries, ReleaseStateRow } from './github-sync-repo.js';
import type { SyncReport } from './github-sync-report.js';

/** Attachment contents the sync downloaded for the changed releases. */
export interface ReleaseAttachments {
  /** SHA-256 by file name, from the release's checksum lists. */
  checksums: Map<string, string>;
  /** Signature text by build file name, from `.sig` assets. */
  signatures: Map<string, string>;
}

export interface ApplyContext {
  tx: CatalogQueries;
  sync: GithubSyncQueries;
  projectId: string;
  now: string;
  report: SyncReport;
}

type BuildFields = Pick<
  Insertable<BuildsTable>,
  | 'platform'
  | 'architecture'
  | 'file_name'
  | 'file_size'
  | 'download_url'
  | 'sha256'
  | 'signature'
  | 'status'
  | 'status_reason'
  | 'verified_at'
>;

const COMPARED_BUILD_FIELDS = [
  'platform',
  'architecture',
  'file_name',
  'file_size',
  'download_url',
  'sha256',
  'signature',
] as const;

function desiredBuild(build: PlannedBuild, attachments: ReleaseAttachments, now: string): BuildFields {
  const listed = attachments.checksums.get(build.file_name);
  const sha256 = build.digest ?? listed ?? '';
  return {
    platform: build.platform,
    architecture: build.architecture,
    file_name: build.file_name,
    file_size: build.file_size,
    download_url: build.download_url,
    sha256,
    signature: attachments.signatures.get(build.file_name) ?? null,
    // GitHub computed the digest of the file it stores; a checksum list is the publisher's claim,
    // and without any checksum the verifier has to compute one.
    status: build.digest !== undefined ? 'verified' : 'pending',
    status_reason: build.digest !== undefined ? 'SHA-256 from the GitHub asset digest' : null,
    verified_at: build.digest !== undefined ? now : null,
  };
}

function editedFields(row: VersionRow): Set<string> {
  return new Set(JSON.parse(row.edited_fields) as string[]);
}

async function insertVersion(context: ApplyContext, plan: PlannedVersion, attachments: ReleaseAttachments) {
  const { tx, projectId, now } = context;
  await tx.insertVersion({
    project_id: projectId,
    channel_id: plan.channelId,
    version: plan.version,
    name: plan.name,
    description: '',
    release_notes: plan.releaseNotes,
    breaking_changes: plan.breaking ? 1 : 0,
    min_supported_version: null,
    rollout_percentage: 100,
    status: 'published',
    published_at: plan.publishedAt ?? now,
    yanked_at: null,
    yank_reason: null,
    source: 'github',
    edited_fields: '[]',
    created_at: now,
    updated_at: now,
  });
  await tx.insertBuilds(
    plan.builds.map((build, position) => ({
      project_id: projectId,
      channel_id: plan.channelId,
      version: plan.version,
      id: build.id,
      ...desiredBuild(build, attachments, now),
      sha512: null,
      md5: null,
      downloads: 0,
      position,
      created_at: now,
      updated_at: now,
    })),
  );
  context.report.added.push({
    version: plan.version,
    channel: plan.channelId,
    tag: plan.tag,
    builds: plan.builds.length,
  });
}

/** Brings the sync-owned builds of an existing version in line; returns what changed and the owned ids. */
async function syncBuilds(
  context: ApplyContext,
  key: VersionKey,
  plan: PlannedVersion,
  attachments: ReleaseAttachments,
  owned: Set<string>,
): Promise<{ changes: string[]; owned: string[] }> {
  const { tx, now } = context;
  const existing = new Map((await tx.listBuilds(key)).map((row) => [row.id, row]));
  const changes: string[] = [];
  const stillOwned: string[] = [];
  let position = Math.max(-1, ...[...existing.values()].map((row) => row.position));
  for (const build of plan.builds) {
    const desired = desiredBuild(build, attachments, now);
    const row = existing.get(build.id);
    if (row === undefined) {
      await tx.insertBuilds([
        {
          project_id: key.projectId,
          channel_id: key.channelId,
          version: key.version,
          id: build.id,
          ...desired,
          sha512: null,
          md5: null,
          downloads: 0,
          position: ++position,
          created_at: now,
          updated_at: now,
        },
      ]);
      changes.push(`build ${build.id} added`);
      stillOwned.push(build.id);
      continue;
    }
    if (!owned.has(build.id)) {
      context.report.skipped.push({
        tag: plan.tag,
        asset: build.file_name,
        reason: `build '${build.id}' was added by hand and is left as it is`,
      });
      continue;
    }
    stillOwned.push(build.id);
    const differing = COMPARED_BUILD_FIELDS.filter((field) => String(row[field]) !== String(desired[field]));
    if (differing.length === 0) continue;
    // A different file needs a new verification (at once, not at the old file's retry time);
    // other changes keep the verification result.
    const sameFile = row.sha256 === desired.sha256 && Number(row.file_size) === desired.file_size;
    const { status, status_reason, verified_at, ...fields } = desired;
    const reverify = { status, status_reason, verified_at, verification_attempts: 0, next_retry_at: null };
    await tx.updateBuild(
      { ...key, buildId: build.id },
      { ...fields, ...(sameFile ? {} : reverify), updated_at: now },
    );
    changes.push(`build ${build.id}: ${differing.join(', ')}`);
  }
  const planned = new Set(plan.builds.map((build) => build.id));
  for (const id of owned) {
    if (planned.has(id) || !existing.has(id)) continue;
    await tx.deleteBuild({ ...key, buildId: id });
    changes.push(`build ${id} removed`);
  }
  return { changes, owned: stillOwned };
}

/** Creates or updates the version of one changed release and records the release mapping. */
export async function applyRelease(
  context: ApplyContext,
  plan: PlannedVersion,
  attachments: ReleaseAttachments,
  state: ReleaseStateRow | undefined,
): Promise<boolean> {
  const { tx, projectId, now } = context;
  const key = { projectId, channelId: plan.channelId, version: plan.version };
  const row = await tx.findVersion(key);
  let ownedBuilds = plan.builds.map((build) => build.id);
  let wrote = false;
  if (row === undefined) {
    await insertVersion(context, plan, attachments);
    wrote = true;
  } else if (row.source !== 'github' && state === undefined) {
    context.report.skipped.push({ tag: plan.tag, reason: 'a version created by hand already exists' });
    return false;
  } else {
    const edited = editedFields(row);
    const patch: Partial<VersionRow> = {};
    if (!edited.has('name') && row.name !== plan.name) patch.name = plan.name;
    if (!edited.has('release_notes') && row.release_notes !== plan.releaseNotes)
      patch.release_notes = plan.releaseNotes;
    if (!edited.has('breaking_changes') && row.breaking_changes !== (plan.breaking ? 1 : 0))
      patch.breaking_changes = plan.breaking ? 1 : 0;
    if (!edited.has('status') && row.status !== 'published') {
      Object.assign(patch, { status: 'published', yanked_at: null, yank_reason: null });
      patch.published_at = row.published_at ?? plan.publishedAt ?? now;
    }
    const owned = new Set<string>(state ? (JSON.parse(state.build_ids) as string[]) : []);
    const builds = await syncBuilds(context, key, plan, attachments, owned);
    ownedBuilds = builds.owned;
    const changes = [...Object.keys(patch).filter((field) => field !== 'published_at'), ...builds.changes];
    if (changes.length > 0) {
      await tx.updateVersion(key, { ...patch, updated_at: now });
      context.report.updated.push({ version: plan.version, channel: plan.channelId, tag: plan.tag, changes });
      wrote = true;
    }
  }
  await context.sync.saveReleaseState({
    project_id: projectId,
    channel_id: plan.channelId,
    version: plan.version,
    release_id: plan.releaseId,
    tag: plan.tag,
    fingerprint: plan.fingerprint,
    build_ids: JSON.stringify(ownedBuilds),
    updated_at: now,
  });
  return wrote;
}

/** Yanks the version of a release that disappeared from GitHub (deleted, or turned back into a draft). */
export async function yankVanished(context: ApplyContext, state: ReleaseStateRow): Promise<boolean> {
  const { tx, projectId, now } = context;
  const key = { projectId, channelId: state.channel_id, version: state.version };
  const row = await tx.findVersion(key);
  if (row === undefined || row.status !== 'published' || editedFields(row).has('status')) return false;
  const reason = `GitHub release ${state.tag} was deleted`;
  await tx.updateVersion(key, { status: 'yanked', yanked_at: now, yank_reason: reason, updated_at: now });
  context.report.yanked.push({ version: state.version, channel: state.channel_id, tag: state.tag, reason });
  return true;
}
