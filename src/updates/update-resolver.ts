/**
 * Which version a client should move to, and what that move means. Pure: it works only on the
 * snapshot-derived lists it is given, so it is unit- and property-tested without a database.
 *
 * Rules (CONTRACT.md "Update checks"):
 * - the offer is the newest candidate the client is admitted to (staged rollouts); candidates are
 *   published versions with a usable build for the client's target, newest first;
 * - an update is available when the offer is newer than the current version, or — `rollback` — when
 *   the current version was yanked and the offer is older (the client is moved off it);
 * - `breaking_changes`: any version in the skipped range (current, offer] is marked breaking, or the
 *   offer has a higher major (for 0.x, a higher minor);
 * - `mandatory`: the current version is below a `min_supported_version` of a version in that range.
 */
import semver, { type SemVer } from 'semver';
import type { VersionSnapshot } from '../catalog/catalog-snapshot.js';
import type { Candidate } from './update-candidates.js';

export type NoUpdateReason = 'latest' | 'ahead' | 'no-build' | 'not-offered';

export type Resolution =
  | { updateAvailable: false; reason: NoUpdateReason; latest: Candidate | undefined }
  | {
      updateAvailable: true;
      offer: Candidate;
      breakingChanges: boolean;
      mandatory: boolean;
      rollback: boolean;
    };

/** A resolution with the current version it was made for, in canonical form. */
export interface ResolvedCheck {
  current: string;
  resolution: Resolution;
}

export interface ResolveInput {
  /** A valid semver version (see `normalizeVersion`). */
  current: string;
  /** Candidates for the client's target, newest first. */
  candidates: readonly Candidate[];
  /** Every version the channel offers, newest first: the range rules look at all of them. */
  eligible: readonly VersionSnapshot[];
  /** The current version when it was yanked (and no channel read by this one offers it). */
  yankedCurrent: VersionSnapshot | undefined;
  /** Whether the client is in the rollout of a version. */
  admits: (version: VersionSnapshot) => boolean;
}

/** Index of the newest candidate the client is admitted to, or -1. */
export function selectOffer(
  candidates: readonly Candidate[],
  admits: (version: VersionSnapshot) => boolean,
): number {
  for (let i = 0; i < candidates.length; i++) {
    if (admits(candidates[i]!.version)) return i;
  }
  return -1;
}

/** A higher major, or for 0.x a higher minor: semver's own definition of an incompatible release. */
export function crossesMajor(from: SemVer, to: SemVer): boolean {
  if (to.major !== from.major) return to.major > from.major;
  return to.major === 0 && to.minor > from.minor;
}

/** Versions v of `eligible` (newest first) with lower < v <= upper. */
function* between(eligible: readonly VersionSnapshot[], lower: SemVer, upper: SemVer) {
  for (const version of eligible) {
    const parsed = semver.parse(version.version)!;
    if (parsed.compare(upper) > 0) continue;
    if (parsed.compare(lower) <= 0) return;
    yield version;
  }
}

function belowMinimum(current: SemVer, version: VersionSnapshot): boolean {
  const minimum = version.minSupportedVersion;
  return minimum !== null && semver.valid(minimum) !== null && current.compare(minimum) < 0;
}

/** Resolves with an offer already chosen (`offerIndex` from `selectOffer`). */
export function resolveOffer(input: Omit<ResolveInput, 'admits'>, offerIndex: number): Resolution {
  const { candidates, eligible, yankedCurrent } = input;
  const current = semver.parse(input.current);
  if (current === null) throw new TypeError(`not a semver version: ${input.current}`);
  const offer = candidates[offerIndex];
  if (offer === undefined) {
    return {
      updateAvailable: false,
      reason: candidates.length === 0 ? 'no-build' : 'not-offered',
      latest: undefined,
    };
  }
  const offered = semver.parse(offer.version.version)!;
  const order = offered.compare(current);
  if (order > 0) {
    let breakingChanges = crossesMajor(current, offered);
    let mandatory = false;
    for (const version of between(eligible, current, offered)) {
      breakingChanges ||= version.breakingChanges;
      mandatory ||= belowMinimum(current, version);
    }
    return { updateAvailable: true, offer, breakingChanges, mandatory, rollback: false };
  }
  if (order < 0 && yankedCurrent !== undefined) {
    // Going back over (offer, current]: what the client leaves behind is what may break.
    let breakingChanges = crossesMajor(offered, current) || yankedCurrent.breakingChanges;
    for (const version of between(eligible, offered, current)) {
      breakingChanges ||= version.breakingChanges;
    }
    return { updateAvailable: true, offer, breakingChanges, mandatory: false, rollback: true };
  }
  return { updateAvailable: false, reason: order === 0 ? 'latest' : 'ahead', latest: offer };
}

export function resolveUpdate(input: ResolveInput): Resolution {
  return resolveOffer(input, selectOffer(input.candidates, input.admits));
}
