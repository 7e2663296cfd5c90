import { breakingSignalOfLine, detectBreakingChanges, plainLine } from '../github/breaking-changes.js';

/**
 * The deterministic changelog analyser that answers `POST /ai/analyze-changelog` when no AI
 * provider is available or a provider's answer is invalid. Same response shape as the AI path,
 * with `source: "heuristic"`.
 *
 * How it reads a changelog:
 * - Entries are the list items (`-`, `*`, `+`, `•`, `1.`). A changelog without list items is read
 *   sentence by sentence. "None"/"N/A" entries and GitHub's "made their first contribution" lines
 *   are skipped.
 * - Headings (`## Fixed`, `**Features**`, `Breaking changes:`) set the kind of the entries below
 *   them (Keep a Changelog and GitHub's generated notes both use such sections).
 * - Each entry is a fix, a feature, a removal or another change — by its conventional-commit type
 *   (`feat:`, `fix:`), else its leading verb (Fixed/Added/Removed/Dropped…), else its section, else
 *   words like "bug", "crash", "leak" (a fix).
 * - An entry is breaking when `detectBreakingChanges`' line rules flag it or it sits under a
 *   "Breaking changes" heading; the release is breaking when any entry is, or when
 *   `detectBreakingChanges` flags the whole text or the version bump.
 *
 * Severity: `major` exactly when breaking; otherwise `minor` when it adds features or removes
 * something (both change what users can do); otherwise `patch`.
 *
 * The analysis is two sentences: what the release contains, counted and named per kind (three
 * names per kind at most), then whether it breaks anything and why.
 */

export type ChangelogSeverity = 'major' | 'minor' | 'patch';

export type HeuristicChangelogAnalysis = {
  version: string;
  analysis: string;
  breaking: boolean;
  severity: ChangelogSeverity;
  source: 'heuristic';
};

export type ChangelogAnalysisInput = { version: string; changelog: string; previousVersion?: string };

type EntryKind = 'fix' | 'feature' | 'removal' | 'change';
type Entry = { text: string; subject: string; kind: EntryKind; breaking: boolean };

// Enough for any real changelog; bounds the work for pathological input.
const MAX_CHANGELOG_LENGTH = 200_000;
const MAX_ENTRIES = 1_000;
const NAMES_PER_KIND = 3;
const SUBJECT_LENGTH = 60;

const LIST_ITEM = /^\s*(?:[-*+•]|\d+[.)])\s+(.*)$/;
const HEADING = /^\s*(?:#{1,6}\s+(.+?)\s*#*|\*\*([^*]+?):?\*\*:?|([A-Za-z][A-Za-z '’-]{0,40}):)\s*$/;
const NOTHING = /^(?:none|n\/?a|nothing|-+)\.?$/i;
const NOISE = /made (?:their|his|her) first contribution/i;

const CONVENTIONAL_TYPE = /^([a-z]+)(?:\([^)]*\))?!?:\s*/i;
const BREAKING_PREFIX = /^(?:\[breaking(?:[\s-]+changes?)?\]|breaking(?:[\s-]+changes?)?\s*:)\s*/i;
const LEADING_VERBS: ReadonlyArray<readonly [RegExp, EntryKind]> = [
  [/^(?:fix(?:e[sd])?|fixing|resolve[sd]?|patch(?:e[sd])?|correct(?:s|ed)?|repair(?:s|ed)?)\b\s*/i, 'fix'],
  [/^(?:remove[sd]?|removing|drop(?:s|ped)?|delete[sd]?)\b\s*/i, 'removal'],
  [/^(?:add(?:s|ed)?|introduce[sd]?|implement(?:s|ed)?|new)\b:?\s*/i, 'feature'],
];
const FIX_WORDS = /\b(?:bug|crash(?:es|ed)?|leak|regression|hang|freeze)\b/i;

const KIND_LABELS: Readonly<Record<EntryKind, readonly [singular: string, plural: string]>> = {
  fix: ['fix', 'fixes'],
  feature: ['new feature', 'new features'],
  removal: ['removal', 'removals'],
  change: ['other change', 'other changes'],
};

/** Never throws; any string in, a well-formed analysis out. */
export function analyzeChangelogHeuristically(input: ChangelogAnalysisInput): HeuristicChangelogAnalysis {
  const changelog = typeof input.changelog === 'string' ? input.changelog.slice(0, MAX_CHANGELOG_LENGTH) : '';
  const version = typeof input.version === 'string' ? input.version : '';
  const entries = changelogEntries(changelog);
  const detection = detectBreakingChanges(changelog, { previousVersion: input.previousVersion, version });
  const breakingEntries = entries.filter((entry) => entry.breaking);
  const breaking = detection.breaking || breakingEntries.length > 0;

  const count = (kind: EntryKind) => entries.filter((entry) => entry.kind === kind).length;
  const severity: ChangelogSeverity = breaking
    ? 'major'
    : count('feature') > 0 || count('removal') > 0
      ? 'minor'
      : 'patch';

  const release = version.trim() === '' ? 'This release' : `Version ${version.trim()}`;
  const contents = describeContents(release, entries);
  const verdict = breaking
    ? describeBreaking(breakingEntries, detection.reasons)
    : severity === 'minor'
      ? 'No breaking changes were found, so it is a minor update.'
      : 'No breaking changes were found, so it is a patch update.';
  return { version, analysis: `${contents} ${verdict}`, breaking, severity, source: 'heuristic' };
}

function changelogEntries(changelog: string): Entry[] {
  const lines = changelog.split(/\r?\n/);
  const hasListItems = lines.some((line) => LIST_ITEM.test(line));
  const entries: Entry[] = [];
  let section: EntryKind | 'breaking' | undefined;

  for (const line of lines) {
    if (entries.length >= MAX_ENTRIES) break;
    const heading = HEADING.exec(line);
    if (heading && !LIST_ITEM.test(line)) {
      section = sectionOf(heading[1] ?? heading[2] ?? heading[3] ?? '');
      continue;
    }
    const item = LIST_ITEM.exec(line);
    const texts = item ? [item[1]!] : hasListItems ? [] : line.split(/(?<=[.!?;])\s+/);
    for (const text of texts) {
      // "Breaking changes: None" closes the section, so the text after it is not breaking.
      if (section === 'breaking' && NOTHING.test(cleanText(text))) section = undefined;
      const entry = toEntry(text, section);
      if (entry) entries.push(entry);
    }
  }
  return entries;
}

function sectionOf(heading: string): EntryKind | 'breaking' {
  if (/breaking/i.test(heading)) return 'breaking';
  if (/remov|drop/i.test(heading)) return 'removal';
  if (/fix|bug|security|patch/i.test(heading)) return 'fix';
  if (/feat|add|new/i.test(heading)) return 'feature';
  return 'change';
}

function toEntry(rawText: string, section: EntryKind | 'breaking' | undefined): Entry | undefined {
  const text = cleanText(rawText);
  if (text === '' || NOTHING.test(text) || NOISE.test(text)) return undefined;

  let rest = text.replace(BREAKING_PREFIX, '');
  if (NOTHING.test(rest)) return undefined;
  let kind: EntryKind | undefined;
  const conventional = CONVENTIONAL_TYPE.exec(rest);
  if (conventional) {
    const type = conventional[1]!.toLowerCase();
    kind = type === 'feat' ? 'feature' : type === 'fix' ? 'fix' : undefined;
    rest = rest.slice(conventional[0].length);
  }
  for (const [verb, verbKind] of LEADING_VERBS) {
    const match = verb.exec(rest);
    if (match && rest.length > match[0].length) {
      kind = kind ?? verbKind;
      rest = rest.slice(match[0].length);
      break;
    }
  }
  if (kind === undefined && section !== undefined && section !== 'breaking') kind = section;
  if (kind === undefined) kind = FIX_WORDS.test(text) ? 'fix' : 'change';

  const breaking = section === 'breaking' || breakingSignalOfLine(rawText) !== undefined;
  return { text, subject: shorten(rest.replace(/[.;:!]+$/, '').trim() || text), kind, breaking };
}

/** Entry text without markdown, links, trailing attributions and pull-request numbers. */
function cleanText(text: string): string {
  return plainLine(
    text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\s+by @[\w-]+ in \S+\s*$/i, '')
      .replace(/\s*\((?:#\d+(?:,\s*)?)+\)\s*$/, ''),
  );
}

function shorten(text: string): string {
  return text.length > SUBJECT_LENGTH ? `${text.slice(0, SUBJECT_LENGTH - 1).trimEnd()}…` : text;
}

function describeContents(release: string, entries: readonly Entry[]): string {
  if (entries.length === 0) return `${release} lists no individual changes.`;
  const parts = (['fix', 'feature', 'removal', 'change'] as const).flatMap((kind) => {
    const ofKind = entries.filter((entry) => entry.kind === kind);
    if (ofKind.length === 0) return [];
    const [singular, plural] = KIND_LABELS[kind];
    const names = ofKind.slice(0, NAMES_PER_KIND).map((entry) => entry.subject);
    const more = ofKind.length - names.length;
    const named = more > 0 ? `${names.join(', ')} and ${more} more` : joinList(names);
    return [`${ofKind.length} ${ofKind.length === 1 ? singular : plural} (${named})`];
  });
  return `${release} has ${joinList(parts)}.`;
}

function describeBreaking(breakingEntries: readonly Entry[], reasons: readonly string[]): string {
  if (breakingEntries.length === 0) return `It is breaking: ${reasons[0] ?? 'marked as breaking'}.`;
  const names = breakingEntries
    .slice(0, NAMES_PER_KIND)
    .map((entry) => shorten(entry.text.replace(BREAKING_PREFIX, '').replace(/[.;:!]+$/, '')));
  const more = breakingEntries.length - names.length;
  const count =
    breakingEntries.length === 1 ? '1 breaking change' : `${breakingEntries.length} breaking changes`;
  return `It has ${count}: ${more > 0 ? `${names.join('; ')} and ${more} more` : names.join('; ')}.`;
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
