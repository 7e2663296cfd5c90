/**
 * Sparkle 2's reading of an appcast and of the file it downloads, ported from
 * sparkle-project/Sparkle at fa4eaa97 (fetched):
 * - Sparkle/SUAppcast.m: `parseAppcastItemsFromXMLData:` — `/rss/channel/item`, first-level
 *   children indexed by `sparkleNamespacedNameOfNode:` (the namespace URI must be exactly
 *   `http://www.andymatuschak.org/xml-namespaces/sparkle`; the prefix is free), `enclosure` and
 *   `sparkle:criticalUpdate` as attribute dictionaries, `pubDate` kept as a string, other values
 *   trimmed; one item that fails to initialise fails the whole appcast.
 * - Sparkle/SUAppcastItem.m: `initWithDictionary:relativeToURL:…` — the version from the
 *   enclosure's `sparkle:version`, else the item's, else the file name; `length` by `longLongValue`;
 *   the enclosure URL (spaces forgiven as %20) resolved against the appcast URL and required to be
 *   http(s); the installation type from the URL's extension (`.pkg` → guided package);
 *   `-date` parses `pubDate` with `E, dd MMM yyyy HH:mm:ss Z`.
 * - Sparkle/SUSignatures.m (`sparkle:edSignature`: base64 of a 64-byte Ed25519 signature) and
 *   Autoupdate/SUSignatureVerifier.m (the checks and messages after download).
 * - Downloader/SPUDownloader.m: the download is saved under the final response's
 *   `suggestedFilename`; Autoupdate/SUUnarchiver.m, SUPipedUnarchiver.m, SUDiskImageUnarchiver.m,
 *   SUFlatPackageUnarchiver.m: that name's suffix picks the unarchiver — no known suffix, no install.
 */
import { createPublicKey, verify } from 'node:crypto';
import { parseXmlTree, type XmlElement } from '../xml-structure.js';

export const SPARKLE_NAMESPACE = 'http://www.andymatuschak.org/xml-namespaces/sparkle';

export class SparkleError extends Error {}

export interface SparkleItem {
  title: string | null;
  versionString: string;
  displayVersionString: string;
  /** The enclosure's `url` attribute as written, and as resolved against the appcast URL. */
  enclosureURLString: string | null;
  fileURL: string | null;
  contentLength: number;
  edSignature: string | undefined;
  minimumSystemVersion: string | null;
  hasCriticalInformation: boolean;
  dateString: string | null;
  installationType: 'application' | 'package';
}

type Scope = Record<string, string>;

function withDeclarations(element: XmlElement, scope: Scope): Scope {
  const inner = { ...scope };
  for (const [name, value] of Object.entries(element.attributes)) {
    if (name.startsWith('xmlns:')) inner[name.slice('xmlns:'.length)] = value;
  }
  return inner;
}

/** `sparkleNamespacedNameOfNode:` */
function sparkleName(name: string, scope: Scope): string {
  const colon = name.indexOf(':');
  if (colon > 0 && scope[name.slice(0, colon)] === SPARKLE_NAMESPACE)
    return `sparkle:${name.slice(colon + 1)}`;
  return name;
}

function attributesOf(element: XmlElement, scope: Scope): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(element.attributes)) {
    if (!name.startsWith('xmlns')) attributes[sparkleName(name, scope)] = value;
  }
  return attributes;
}

/** `-[NSString longLongValue]`: the leading integer, 0 when there is none. */
const longLongValue = (text: string) => Number(/^\s*[+-]?\d+/.exec(text)?.[0] ?? 0);

/** `+[NSURL URLWithString:relativeToURL:]` for the strings an appcast holds; null when invalid. */
function resolveUrl(text: string, base: string): URL | null {
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/.test(text)) return null;
  return URL.canParse(text, base) ? new URL(text, base) : null;
}

function itemOf(element: XmlElement, scope: Scope, appcastUrl: string): SparkleItem {
  const itemScope = withDeclarations(element, scope);
  const dict: Record<string, string | Record<string, string>> = {};
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const node of element.children) {
    const nodeScope = withDeclarations(node, itemScope);
    const name = sparkleName(node.name, nodeScope);
    // Several nodes of one name are localisations; the first stands for them here.
    if (seen.has(name)) continue;
    seen.add(name);
    if (name === 'enclosure' || name === 'sparkle:criticalUpdate') dict[name] = attributesOf(node, nodeScope);
    else if (name === 'pubDate') dict[name] = node.text;
    else if (name === 'sparkle:tags') tags.push(...node.children.map((tag) => tag.name));
    else dict[name] = node.text.trim();
  }
  const enclosure = typeof dict.enclosure === 'object' ? dict.enclosure : undefined;
  const text = (name: string) => (typeof dict[name] === 'string' ? (dict[name] as string) : null);
  let version = enclosure?.['sparkle:version'] ?? text('sparkle:version');
  if (version === null) {
    const components = (enclosure?.url ?? '').split('_');
    if (components.length > 1) version = components.pop()!.replace(/\.[^./]*$/, '');
  }
  if (version === null || version === undefined) {
    throw new SparkleError(
      "Feed item lacks sparkle:version element, and version couldn't be deduced from file name (would have used last component of a file name like AppName_1.3.4.zip)",
    );
  }
  const link = text('link');
  const infoURL = link === null ? null : resolveUrl(link, appcastUrl);
  const hasInfoURL = infoURL !== null && /^https?:$/i.test(infoURL.protocol);
  if (enclosure === undefined && !hasInfoURL) throw new SparkleError('No enclosure in feed item');
  const enclosureURL = enclosure?.url;
  if (enclosureURL === undefined && !hasInfoURL) throw new SparkleError("Feed item's enclosure lacks URL");
  let fileURL: string | null = null;
  if (enclosureURL !== undefined) {
    const resolved = resolveUrl(enclosureURL.replaceAll(' ', '%20'), appcastUrl);
    if (resolved === null || !/^https?:$/i.test(resolved.protocol)) {
      throw new SparkleError('File URLs must have a http or https URL scheme');
    }
    fileURL = resolved.href;
  }
  const contentLength = longLongValue(enclosure?.length ?? '0');
  const extension = fileURL === null ? '' : (/\.([^./]*)$/.exec(new URL(fileURL).pathname)?.[1] ?? '');
  return {
    title: text('title'),
    versionString: version,
    displayVersionString:
      enclosure?.['sparkle:shortVersionString'] ?? text('sparkle:shortVersionString') ?? version,
    enclosureURLString: enclosureURL ?? null,
    fileURL,
    contentLength: Math.max(contentLength, 0),
    edSignature: enclosure?.['sparkle:edSignature'],
    minimumSystemVersion: text('sparkle:minimumSystemVersion'),
    // The legacy form is a `<sparkle:criticalUpdate/>` inside `<sparkle:tags>`.
    hasCriticalInformation:
      dict['sparkle:criticalUpdate'] !== undefined || tags.includes('sparkle:criticalUpdate'),
    dateString: text('pubDate'),
    installationType: extension === 'pkg' || extension === 'mpkg' ? 'package' : 'application',
  };
}

/** `-[SUAppcast initWithXMLData:relativeToURL:…]`: the items, or throws the client's error. */
export function parseAppcast(xml: string, appcastUrl: string): SparkleItem[] {
  let root: XmlElement;
  try {
    root = parseXmlTree(xml);
  } catch (error) {
    throw new SparkleError(`The appcast is not XML Sparkle can read: ${(error as Error).message}`);
  }
  if (root.name !== 'rss') return [];
  const scope = withDeclarations(root, {});
  const items: SparkleItem[] = [];
  for (const channel of root.children.filter((node) => node.name === 'channel')) {
    const channelScope = withDeclarations(channel, scope);
    for (const item of channel.children.filter((node) => node.name === 'item')) {
      items.push(itemOf(item, channelScope, appcastUrl));
    }
  }
  return items;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `-[SUAppcastItem date]`: `E, dd MMM yyyy HH:mm:ss Z` (en_US); null when it does not parse. ICU's
 * lenient parsing of `Z` is taken to read `GMT`/`UTC` as well as `+0000` (not checked on a Mac).
 * Sparkle only shows this date; it never decides an update.
 */
export function sparkleItemDate(dateString: string): number | null {
  const match =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}|GMT|UTC)$/.exec(
      dateString,
    );
  if (match === null) return null;
  const [, , day, monthName, year, h, m, s, zone] = match;
  const month = MONTHS.indexOf(monthName!);
  if (month < 0) return null;
  const offset =
    zone === 'GMT' || zone === 'UTC'
      ? 0
      : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3)));
  return Date.UTC(+year!, month, +day!, +h!, +m!, +s!) - offset * 60_000;
}

/** `NSURLResponse.suggestedFilename` of the final answer: Content-Disposition, else the URL's last segment. */
export function suggestedFilename(finalUrl: string, contentDisposition: string | null): string {
  const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(contentDisposition ?? '')?.[1];
  if (encoded !== undefined) return decodeURIComponent(encoded);
  const quoted = /filename\s*=\s*"([^"]*)"/i.exec(contentDisposition ?? '')?.[1];
  if (quoted !== undefined && quoted !== '') return quoted;
  const plain = /filename\s*=\s*([^;\s]+)/i.exec(contentDisposition ?? '')?.[1];
  if (plain !== undefined) return plain;
  const last = new URL(finalUrl).pathname.split('/').pop() ?? '';
  return last === '' ? 'Unknown' : decodeURIComponent(last);
}

const PIPED = [
  '.zip',
  '.tar',
  '.tar.gz',
  '.tgz',
  '.tar.bz2',
  '.tbz',
  '.tar.xz',
  '.txz',
  '.tar.lzma',
  '.aar',
  '.yaa',
];

/** `+[SUUnarchiver unarchiverForPath:…]`: which unarchiver takes a downloaded file, by its name. */
export function sparkleUnarchiver(
  fileName: string,
): 'piped' | 'disk-image' | 'binary-delta' | 'flat-package' | null {
  if (PIPED.some((suffix) => fileName.endsWith(suffix))) return 'piped';
  const extension = /\.([^.]*)$/.exec(fileName)?.[1];
  if (extension === 'dmg') return 'disk-image';
  if (extension === 'delta') return 'binary-delta';
  if (extension === 'pkg' || extension === 'mpkg') return 'flat-package';
  return null;
}

/** `SUSignatureVerifier` for an app with `SUPublicEDKey`: throws its message when it refuses the file. */
export function verifySparkleSignature(item: SparkleItem, data: Buffer, publicEdKey: string): void {
  if (item.edSignature === undefined) {
    throw new SparkleError(
      'The app has an EdDSA public key, but there is no EdDSA signature in the update, so the update will be rejected.',
    );
  }
  const stripped = item.edSignature.trim();
  const decodable = /^[A-Za-z0-9+/]*={0,2}$/.test(stripped) && stripped.length % 4 === 0;
  const signature = Buffer.from(stripped, 'base64');
  if (!decodable || signature.length !== 64) {
    throw new SparkleError(
      "The update has an EdDSA signature, but it's invalid, so the update will automatically be rejected.",
    );
  }
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicEdKey, 'base64').toString('base64url') },
    format: 'jwk',
  });
  if (!verify(null, data, key, signature)) {
    throw new SparkleError(
      'EdDSA signature does not match. Data of the update file being checked is different than data that has been signed, or the public key and the private key are not from the same set.',
    );
  }
}
