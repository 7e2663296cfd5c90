/**
 * Squirrel.Windows' reading of a RELEASES file, ported from Squirrel/Squirrel.Windows at 51f5e2cb (fetched):
 * - src/Squirrel/ReleaseEntry.cs: `ParseReleaseEntry` (regexes, staging comment, the absolute-URL
 *   split into BaseUrl/Filename/Query, the file-name check), `ParseReleaseFile` (split on `\n`,
 *   BOM removed, blank lines skipped), `PackageName`, `IsDelta`;
 * - src/Squirrel/ReleaseExtensions.cs: `ToSemanticVersion` (the version comes from the file name);
 *   NuGet's `SemanticVersion` (Squirrel/NuGet src/Core/SemanticVersion.cs at 50f8d9e4, fetched: the
 *   vendored submodule): 2–4 numeric parts, an optional `-[a-z][0-9a-z-]*` special version, no dots in it;
 * - src/Squirrel/UpdateManager.CheckForUpdates.cs: `<feed>/RELEASES?id=…&localVersion=…&arch=…`;
 * - src/Squirrel/UpdateManager.DownloadReleases.cs: `downloadRelease` (the package URL),
 *   `checksumPackage` (size, then SHA1).
 */
import { createHash } from 'node:crypto';

export class SquirrelWindowsError extends Error {}

export interface ReleaseEntry {
  sha1: string;
  /** Absolute URLs are split: scheme, host and directory here (ends with `/`), else null. */
  baseUrl: string | null;
  filename: string;
  /** The query of an absolute URL, `?` included, kept apart from the file name. */
  query: string | null;
  filesize: number;
  isDelta: boolean;
  /** `# 10%` → 0.1. */
  stagingPercentage: number | null;
}

const ENTRY = /^([0-9a-fA-F]{40})\s+(\S+)\s+(\d+)[\r]*$/;
const COMMENT = /\s*#.*$/;
const STAGING = /#\s+(\d{1,3})%$/;
/** Whether a name holds one of `Path.GetInvalidFileNameChars()` on Windows. */
const hasInvalidFileNameChar = (name: string) =>
  [...name].some((char) => char.charCodeAt(0) < 0x20 || '"<>|:*?\\/'.includes(char));

/** `Utility.IsHttpUrl`: an absolute URI whose scheme is http or https. */
function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

/** `ReleaseEntry.ParseReleaseEntry`: null for a blank or comment-only line; throws like the client. */
export function parseReleaseEntry(line: string): ReleaseEntry | null {
  const staging = STAGING.exec(line);
  const stagingPercentage = staging === null ? null : Number(staging[1]) / 100;
  const entry = line.replace(COMMENT, '');
  if (entry.trim() === '') return null;
  const match = ENTRY.exec(entry);
  if (match === null) throw new SquirrelWindowsError(`Invalid release entry: ${entry}`);
  let filename = match[2]!;
  let baseUrl: string | null = null;
  let query: string | null = null;
  if (isHttpUrl(filename)) {
    const uri = new URL(filename);
    // `Uri.LocalPath` is the unescaped path.
    const path = decodeURIComponent(uri.pathname);
    const cut = path.lastIndexOf('/') + 1;
    baseUrl = `${uri.protocol}//${uri.host}${path.slice(0, cut)}`;
    filename = path.slice(cut);
    if (uri.search !== '') query = uri.search;
  }
  if (hasInvalidFileNameChar(filename)) {
    throw new SquirrelWindowsError('Filename can either be an absolute HTTP[s] URL, *or* a file name');
  }
  return {
    sha1: match[1]!,
    baseUrl,
    filename,
    query,
    filesize: Number(match[3]),
    isDelta: filename.toLowerCase().endsWith('-delta.nupkg'),
    stagingPercentage,
  };
}

/** `ReleaseEntry.ParseReleaseFile`. */
export function parseReleaseFile(contents: string): ReleaseEntry[] {
  if (contents === '') return [];
  return contents
    .replace(/^\uFEFF/, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseReleaseEntry)
    .filter((entry): entry is ReleaseEntry => entry !== null);
}

export interface NuGetVersion {
  /** Four parts, missing ones as 0 (`NormalizeVersionValue`). */
  version: [number, number, number, number];
  specialVersion: string;
}

/** `String.ToSemanticVersion()`: NuGet's `SemanticVersion(string)` of the version in the file name. */
export function releaseEntryVersion(filename: string): NuGetVersion {
  const name = filename.replace(/(-full|-delta)?\.nupkg$/, '');
  const version = /\d+(\.\d+){0,3}(-[A-Za-z][0-9A-Za-z-]*)?$/.exec(name)?.[0] ?? '';
  if (version === '') {
    throw new SquirrelWindowsError('Value cannot be null or an empty string.\r\nParameter name: version');
  }
  const match = /^(\d+(?:\s*\.\s*\d+){0,3})(-[a-z][0-9a-z-]*)?$/i.exec(version.trim());
  // `System.Version.TryParse` wants 2 to 4 parts, each an Int32.
  const parts = match === null ? [] : match[1]!.split('.').map((part) => Number(part.trim()));
  if (match === null || parts.length < 2 || parts.some((part) => part > 2_147_483_647)) {
    throw new SquirrelWindowsError(`'${version}' is not a valid version string.\r\nParameter name: version`);
  }
  const [major = 0, minor = 0, build = 0, revision = 0] = parts;
  return { version: [major, minor, build, revision], specialVersion: match[2]?.slice(1) ?? '' };
}

/** `ReleaseEntry.PackageName`. */
export function releaseEntryPackageName(filename: string): string {
  const match = /^([\w-]+)-\d+\..+\.nupkg$/.exec(filename);
  return match !== null ? match[1]! : filename.slice(0, filename.search(/[-.]/));
}

/** `CheckForUpdateImpl`: where the client reads RELEASES from (`AppendPathToUri` keeps the query). */
export function releasesUrl(feedUrl: string, installed?: { packageName: string; version: string }): string {
  const uri = new URL(feedUrl.endsWith('/') ? feedUrl.slice(0, -1) : feedUrl);
  if (!uri.pathname.endsWith('/')) uri.pathname += '/';
  uri.pathname += 'RELEASES';
  if (installed !== undefined) {
    uri.searchParams.set('id', installed.packageName);
    uri.searchParams.set('localVersion', installed.version);
    uri.searchParams.set('arch', 'amd64');
  }
  return uri.href;
}

/**
 * `downloadRelease`: `new Uri(EnsureTrailingSlash(feed), BaseUrl + Filename + Query)`. A bare file
 * name resolves against the feed folder (the feed's own query is dropped); an absolute entry keeps
 * its own query.
 */
export function packageDownloadUrl(feedUrl: string, entry: ReleaseEntry): string {
  const base = new URL(feedUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(`${entry.baseUrl ?? ''}${entry.filename}${entry.query ?? ''}`, base).href;
}

/** `checksumPackage`: the downloaded package must have the entry's size, then its SHA1. */
export function checksumPackage(entry: ReleaseEntry, bytes: Buffer): void {
  if (bytes.length !== entry.filesize) {
    throw new SquirrelWindowsError(`Checksummed file size doesn't match: ${entry.filename}`);
  }
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  if (sha1.toLowerCase() !== entry.sha1.toLowerCase()) {
    throw new SquirrelWindowsError(`Checksum doesn't match: ${entry.filename}`);
  }
}
