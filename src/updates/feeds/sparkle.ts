/**
 * Sparkle appcast (RSS 2.0 with the Sparkle namespace). Each item carries `sparkle:version` and
 * `sparkle:shortVersionString`, `pubDate` (RFC 822), the release notes, `sparkle:minimumSystemVersion`
 * when the build names its lowest macOS version, `sparkle:criticalUpdate`
 * when a `min_supported_version` is set (updates from below it are critical), and the `enclosure`
 * with url, length and — when the build has one — its EdDSA signature. Sparkle picks the newest
 * item it may install, so the feed lists the client's offer first and older full releases after it.
 */

import { buildLink, type Links } from '../../catalog/build-links.js';
import type { ProjectInfo } from '../../catalog/catalog-snapshot.js';
import type { Candidate } from '../update-candidates.js';

export const SPARKLE_NAMESPACE = 'http://www.andymatuschak.org/xml-namespaces/sparkle';
const MAX_ITEMS = 10;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text and attribute values; characters XML 1.0 forbids are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** RFC 822 dates, as RSS requires (`Thu, 05 Feb 2026 14:30:00 GMT`). */
export function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

function item(candidate: Candidate, links: Links): string {
  const { version, build } = candidate;
  const lines = [
    '    <item>',
    `      <title>${escapeXml(version.name)}</title>`,
    `      <pubDate>${rfc822(version.publishedAt ?? version.createdAt)}</pubDate>`,
    `      <sparkle:version>${escapeXml(version.version)}</sparkle:version>`,
    `      <sparkle:shortVersionString>${escapeXml(version.version)}</sparkle:shortVersionString>`,
  ];
  if (build.minOsVersion !== null) {
    lines.push(
      `      <sparkle:minimumSystemVersion>${escapeXml(build.minOsVersion)}</sparkle:minimumSystemVersion>`,
    );
  }
  if (version.minSupportedVersion !== null) {
    lines.push(`      <sparkle:criticalUpdate sparkle:version="${escapeXml(version.minSupportedVersion)}"/>`);
  }
  if (version.releaseNotes !== '') {
    lines.push(
      `      <description sparkle:format="markdown">${escapeXml(version.releaseNotes)}</description>`,
    );
  }
  const signature = build.signature === null ? '' : ` sparkle:edSignature="${escapeXml(build.signature)}"`;
  lines.push(
    `      <enclosure url="${escapeXml(buildLink(build, links))}" length="${build.fileSize}" type="application/octet-stream"${signature}/>`,
    '    </item>',
  );
  return lines.join('\n');
}

/**
 * The appcast for a client offered `candidates[offerIndex]`: that item, then older releases rolled
 * out to everyone. With no offer the channel is listed without items (Sparkle: no update).
 */
export function appcast(
  project: ProjectInfo,
  channelName: string,
  candidates: readonly Candidate[],
  offerIndex: number,
  links: Links,
): string {
  const items: Candidate[] = [];
  if (offerIndex >= 0) {
    items.push(candidates[offerIndex]!);
    for (let i = offerIndex + 1; i < candidates.length && items.length < MAX_ITEMS; i++) {
      if (candidates[i]!.version.rolloutPercentage >= 100) items.push(candidates[i]!);
    }
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<rss version="2.0" xmlns:sparkle="${SPARKLE_NAMESPACE}">`,
    '  <channel>',
    `    <title>${escapeXml(`${project.name} (${channelName})`)}</title>`,
    `    <description>${escapeXml(project.description)}</description>`,
    ...(project.homepage !== null ? [`    <link>${escapeXml(project.homepage)}</link>`] : []),
    ...items.map((candidate) => item(candidate, links)),
    '  </channel>',
    '</rss>',
  ].join('\n');
}
