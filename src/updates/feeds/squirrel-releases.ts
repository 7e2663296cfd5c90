/**
 * Squirrel.Windows reads `<feed>/RELEASES`: one line per package, `SHA1 filename size`, parsed with
 * `^([0-9a-fA-F]{40})\s+(\S+)\s+(\d+)[\r]*$`. The filename may be an absolute URL, which is how the
 * package is fetched from where the build is hosted. The file carries no trailing newline or BOM.
 */
import { buildLink, type Links } from '../../catalog/build-links.js';
import type { Candidate } from '../update-candidates.js';

export function releasesLine(candidate: Candidate, links: Links): string {
  const { build } = candidate;
  // SQUIRREL_WINDOWS_BUILDS admits only builds with a SHA-1.
  return `${build.checksum.sha1!.toUpperCase()} ${buildLink(build, links)} ${build.fileSize}`;
}

/** The RELEASES file offering one full package: Squirrel installs the newest entry it finds. */
export function releasesFile(offer: Candidate, links: Links): string {
  return releasesLine(offer, links);
}
