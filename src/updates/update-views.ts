/** Shapes of update answers, built from a resolution. Field names follow the API reference. */
import { buildLink, type Links } from '../catalog/build-links.js';
import type { Candidate } from './update-candidates.js';
import type { NoUpdateReason, Resolution } from './update-resolver.js';
import type { LauncherUpdateShape, ProjectUpdateEntryShape, UpdateResponseShape } from './updates-schemas.js';

export function noUpdateMessage(reason: NoUpdateReason, platform: string, architecture: string): string {
  switch (reason) {
    case 'latest':
      return 'You are running the latest version';
    case 'ahead':
      return 'You are running a newer version than the latest release of this channel';
    case 'no-build':
      return `No release of this channel has a build for ${platform}/${architecture}`;
    case 'not-offered':
      return `No release for ${platform}/${architecture} is available to this client yet (staged rollout)`;
  }
}

function offerFields(offer: Candidate, links: Links) {
  const { version, build } = offer;
  return {
    release_notes: version.releaseNotes,
    download_url: buildLink(build, links),
    file_name: build.fileName,
    file_size: build.fileSize,
    checksum: build.checksum,
    ...(build.signature !== null ? { signature: build.signature } : {}),
    published_at: version.publishedAt ?? version.createdAt,
  };
}

/**
 * What the admin key is told when a newer release is held back because its build failed
 * verification (readers see the plain message: the failure is the studio's business).
 */
export function failedBuildNote(failed: Candidate): string {
  const { version, build } = failed;
  const reason = build.statusReason === null ? '' : ` (${build.statusReason})`;
  return `; ${version.version} is not offered: its build '${build.id}' failed verification${reason}`;
}

export function updateResponse(
  current: string,
  resolution: Resolution,
  platform: string,
  architecture: string,
  links: Links,
  note = '',
): UpdateResponseShape {
  if (!resolution.updateAvailable) {
    return {
      update_available: false,
      current_version: current,
      latest_version: resolution.latest?.version.version ?? null,
      message: `${noUpdateMessage(resolution.reason, platform, architecture)}${note}`,
    };
  }
  const { offer } = resolution;
  return {
    update_available: true,
    current_version: current,
    latest_version: offer.version.version,
    breaking_changes: resolution.breakingChanges,
    ...offerFields(offer, links),
    mandatory: resolution.mandatory,
    rollout: { percentage: offer.version.rolloutPercentage },
    ...(resolution.rollback ? { rollback: true } : {}),
  };
}

export function launcherUpdate(
  current: string,
  resolution: Resolution,
  platform: string,
  architecture: string,
  links: Links,
): LauncherUpdateShape {
  if (!resolution.updateAvailable) {
    return {
      available: false,
      current,
      latest: resolution.latest?.version.version ?? current,
      message: noUpdateMessage(resolution.reason, platform, architecture),
    };
  }
  const { offer } = resolution;
  return {
    available: true,
    current,
    latest: offer.version.version,
    breaking_changes: resolution.breakingChanges,
    mandatory: resolution.mandatory,
    ...(resolution.rollback ? { rollback: true } : {}),
    download_url: buildLink(offer.build, links),
    file_size: offer.build.fileSize,
    checksum: offer.build.checksum,
  };
}

export function projectUpdateEntry(
  projectId: string,
  current: string,
  resolution: Resolution,
  platform: string,
  architecture: string,
  links: Links,
): ProjectUpdateEntryShape {
  if (!resolution.updateAvailable) {
    return {
      project_id: projectId,
      update_available: false,
      current_version: current,
      latest_version: resolution.latest?.version.version ?? null,
      message: noUpdateMessage(resolution.reason, platform, architecture),
    };
  }
  const { offer } = resolution;
  return {
    project_id: projectId,
    update_available: true,
    current_version: current,
    latest_version: offer.version.version,
    breaking_changes: resolution.breakingChanges,
    mandatory: resolution.mandatory,
    ...(resolution.rollback ? { rollback: true } : {}),
    download_url: buildLink(offer.build, links),
    file_size: offer.build.fileSize,
    checksum: offer.build.checksum,
  };
}
