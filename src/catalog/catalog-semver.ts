/**
 * Version strings as the catalog stores and orders them. Pure: used by the admin API (input), the
 * snapshot (ordering) and, later, the update resolver.
 */
import semver from 'semver';

/**
 * The canonical form of a version given by a user or a tag: a leading `v` (or `V`) is accepted and
 * stripped, surrounding whitespace ignored. Build metadata (`+…`) is refused rather than dropped,
 * because semver ignores it when ordering: `1.0.0+a` and `1.0.0+b` would be the same version.
 * Returns undefined for anything that is not strict semver.
 */
export function normalizeVersion(input: string): string | undefined {
  const trimmed = input.trim().replace(/^[vV](?=\d)/, '');
  if (trimmed.includes('+')) return undefined;
  const parsed = semver.parse(trimmed);
  return parsed === null ? undefined : parsed.version;
}

/** Semver precedence: prereleases before their release, numeric identifiers numerically (`beta.2` < `beta.10`). */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

export type SortOrder = 'asc' | 'desc';

/** A sorted copy; the input is left untouched. */
export function sortByVersion<T>(items: readonly T[], versionOf: (item: T) => string, order: SortOrder): T[] {
  const sign = order === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => sign * compareVersions(versionOf(a), versionOf(b)));
}
