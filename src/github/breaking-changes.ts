import semver from 'semver';

/**
 * Decides whether a release is breaking, from its notes and from its version number, and says why.
 * Used by the GitHub sync (release body → `breaking_changes`) and by the changelog heuristic.
 *
 * A release is breaking when any line of its notes carries one of these signals:
 *
 * | signal                              | examples                                                        |
 * | ----------------------------------- | --------------------------------------------------------------- |
 * | conventional commit with `!`        | `feat!: drop the v1 API`, `- refactor(api)!: rename fields`     |
 * | the word `BREAKING` in capitals     | `BREAKING CHANGE: config moved`, `[BREAKING] …`, `⚠ BREAKING CHANGES` |
 * | a `Breaking:` prefix                | `Breaking: Removed Node 14 support`, `Breaking change: …`, `[Breaking] …` |
 * | a "Breaking changes" heading        | `## Breaking Changes` followed by items (not by `None`)         |
 * | prose: "breaking change(s)"         | `This release contains a breaking change to the config format`  |
 * | prose: removed/dropped support      | `Removed support for Windows 7`, `Drops support for Node 16`    |
 * | prose: no longer supports           | `No longer supports macOS 10.13`                                |
 * | prose: incompatible                 | `Backwards-incompatible change to the plugin API`, `not backward compatible` |
 *
 * or when the version is a major bump over the previous one (for 0.x, a minor bump: `0.3.1 → 0.4.0`),
 * following semver's own promise. Versions that are not semver, or not above the previous one (a
 * backported patch), add nothing.
 *
 * False positives avoided, on purpose:
 * - negations are removed before matching: "non-breaking", "no breaking changes", "not a breaking
 *   change", "without breaking …", "isn't a breaking change";
 * - `Breaking changes: none` / `N/A`, and a "Breaking changes" heading whose next line is `None`;
 * - the prose signals are not counted on a line that fixes, restores or reverts something
 *   ("Fixed a breaking change introduced in 2.1", "Fix incompatible plugin loading"): such a line
 *   describes a repair, not a new break. Explicit markers (`!:`, `BREAKING`, `Breaking:`) still count;
 * - "breaking" as an ordinary word ("fixed a breaking bug", "Breaking news widget") is no signal.
 */

export type BreakingChangeDetection = { breaking: boolean; reasons: string[] };

export type ReleaseVersions = { previousVersion?: string | null; version?: string | null };

// GitHub caps release bodies at 125,000 characters; anything beyond is not release notes.
const MAX_NOTES_LENGTH = 200_000;
const MAX_TEXT_REASONS = 10;
const EXCERPT_LENGTH = 100;

const NEGATED_BREAKING =
  /(?:\b(?:non|not|no|without|zero|never)|n't)[\s-]+(?:a\s+|any\s+)?breaking(?:[\s-]+changes?)?/gi;
const CONVENTIONAL_BANG = /^[a-z]+(?:\([^)]*\))?!:/i;
const CAPITAL_BREAKING = /\bBREAKING\b/;
const BREAKING_PREFIX = /^(?:\[breaking(?:[\s-]+changes?)?\]|breaking(?:[\s-]+changes?)?\s*:)\s*(.*)$/i;
const BREAKING_HEADING = /^breaking(?:[\s-]+changes?)?\s*:?$/i;
const NOTHING = /^(?:none|n\/?a|nothing)?[\s.!]*$/i;
const FIX_CONTEXT =
  /^(?:fix|fixed|fixes|fixing|resolve|resolved|resolves|restore|restored|restores|revert|reverted|reverts|correct|corrected|corrects)\b/i;

const PROSE_SIGNALS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bbreaking[\s-]+changes?\b/i, 'mentions a breaking change'],
  [
    /\b(?:remove[sd]?|removing|drop(?:s|ped|ping)?|end(?:s|ed)?)\s+(?:the\s+|official\s+)?support\b/i,
    'removes support',
  ],
  [/\bno\s+longer\s+(?:supports?|supported|works?\s+with|compatible)\b/i, 'no longer supports'],
  [/\bincompatible\b|\bnot\s+(?:backwards?[\s-]+)?compatible\b/i, 'incompatible change'],
];

/** Never throws: missing notes and invalid versions simply contribute no reasons. */
export function detectBreakingChanges(
  notes: string | null | undefined,
  versions: ReleaseVersions = {},
): BreakingChangeDetection {
  const reasons = reasonsFromNotes(typeof notes === 'string' ? notes.slice(0, MAX_NOTES_LENGTH) : '');
  const versionReason = reasonFromVersions(versions.previousVersion, versions.version);
  if (versionReason) reasons.push(versionReason);
  return { breaking: reasons.length > 0, reasons };
}

/** Text of one notes line without list bullets, heading marks, emphasis and leading emoji. */
export function plainLine(line: string): string {
  return line
    .replace(/\*\*|__|`/g, '')
    .replace(/^[^\p{L}\p{N}[(]+/u, '')
    .replace(/^\d+[.)]\s+/, '')
    .trim();
}

/** The breaking-change signal a single line carries, if any (the rules in the table above). */
export function breakingSignalOfLine(line: string): string | undefined {
  const text = plainLine(line).replace(NEGATED_BREAKING, ' ').trim();
  if (text === '') return undefined;
  if (CONVENTIONAL_BANG.test(text)) return 'conventional commit "!"';

  const prefixed = BREAKING_PREFIX.exec(text);
  if (prefixed) return saysNothing(prefixed[1]!) ? undefined : '"Breaking:" prefix';
  if (CAPITAL_BREAKING.test(text)) return '"BREAKING" marker';
  if (FIX_CONTEXT.test(text) || /^fix(?:\([^)]*\))?:/i.test(text)) return undefined;

  for (const [pattern, label] of PROSE_SIGNALS) if (pattern.test(text)) return label;
  return undefined;
}

function reasonsFromNotes(notes: string): string[] {
  const reasons: string[] = [];
  const lines = notes.split(/\r?\n/);
  for (let index = 0; index < lines.length && reasons.length < MAX_TEXT_REASONS; index++) {
    const line = lines[index]!;
    if (BREAKING_HEADING.test(plainLine(line))) {
      // The section's first entry is its reason; "None" or another heading right under it means no break.
      let next = index + 1;
      while (next < lines.length && plainLine(lines[next]!) === '') next++;
      const entry = lines[next];
      if (entry === undefined || /^\s*#/.test(entry)) {
        index = next - 1;
        continue;
      }
      if (!saysNothing(plainLine(entry))) reasons.push(`"Breaking changes" section: ${excerpt(entry)}`);
      index = next;
      continue;
    }
    const signal = breakingSignalOfLine(line);
    if (signal) reasons.push(`${signal}: ${excerpt(line)}`);
  }
  return reasons;
}

function reasonFromVersions(previous: string | null | undefined, current: string | null | undefined) {
  const from = parseVersion(previous);
  const to = parseVersion(current);
  if (!from || !to || !semver.gt(to, from)) return undefined;
  if (to.major > from.major) return `major version bump (${from.version} → ${to.version})`;
  if (from.major === 0 && to.minor > from.minor) {
    return `minor version bump in 0.x (${from.version} → ${to.version})`;
  }
  return undefined;
}

function parseVersion(version: string | null | undefined): semver.SemVer | null {
  if (typeof version !== 'string') return null;
  const cleaned = semver.clean(version);
  return cleaned === null ? null : semver.parse(cleaned);
}

/** "None", "N/A", "No breaking changes." — what people write under an empty breaking section. */
function saysNothing(text: string): boolean {
  return NOTHING.test(text.replace(NEGATED_BREAKING, ' ').trim());
}

function excerpt(line: string): string {
  const text = plainLine(line);
  return `"${text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH - 1)}…` : text}"`;
}
