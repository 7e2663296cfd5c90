/**
 * Release assets that travel with builds but are not builds themselves: updater signatures,
 * electron-builder blockmaps, checksum lists and updater metadata. The sync attaches them to the
 * build they describe (`relatesTo`) or reads them once per release (checksums, metadata).
 *
 * | attachment  | recognised by                                                            | relatesTo            |
 * | ----------- | ------------------------------------------------------------------------ | -------------------- |
 * | `signature` | suffix `.sig`, `.asc`, `.minisig` (Tauri updater, GPG, minisign)           | name without suffix  |
 * | `blockmap`  | suffix `.blockmap` (electron-builder differential updates)               | name without suffix  |
 * | `checksums` | suffix `.sha256`, `.sha512`, `.sha256sum`, `.sha512sum`, `.md5`, `.sha1`  | name without suffix  |
 * |             | `SHA256SUMS`, `SHA512SUMS`, `SHASUMS256.txt`, `checksums.txt`, any `.txt` naming sha256/sha512/checksums | — |
 * | `metadata`  | `.yml`/`.yaml` (electron-updater `latest*.yml`, `beta-mac.yml`…), Squirrel `RELEASES`, Tauri `latest.json` and other updater `.json`, Sparkle `appcast.xml` | — |
 * |             | `.zsync` (AppImage delta metadata)                                       | name without suffix  |
 */

export type AttachmentKind = 'signature' | 'blockmap' | 'checksums' | 'metadata';

export type AttachmentMatch = {
  kind: 'attachment';
  attachment: AttachmentKind;
  /** The asset this one describes, exactly as named in the release (case kept). */
  relatesTo?: string;
};

const SUFFIX_ATTACHMENTS: ReadonlyArray<readonly [suffix: string, attachment: AttachmentKind]> = [
  ['.sig', 'signature'],
  ['.asc', 'signature'],
  ['.minisig', 'signature'],
  ['.blockmap', 'blockmap'],
  ['.sha256', 'checksums'],
  ['.sha512', 'checksums'],
  ['.sha256sum', 'checksums'],
  ['.sha512sum', 'checksums'],
  ['.sha1', 'checksums'],
  ['.md5', 'checksums'],
  ['.zsync', 'metadata'],
];

const CHECKSUM_LIST_NAMES = new Set([
  'sha256sums',
  'sha512sums',
  'sha1sums',
  'md5sums',
  'shasums256',
  'shasums512',
  'checksums',
  'checksum',
]);

// Words that, inside a `.txt` asset name, say "this is a list of digests" (`App_1.0.0_checksums.txt`,
// `Mineradio.Setup.1.5.7.3.SHA256.txt`).
const CHECKSUM_WORDS =
  /(^|[^a-z0-9])(sha256|sha512|sha1|md5|checksums?|hashes|sha256sums|sha512sums|shasums)([^a-z0-9]|$)/;

const UPDATER_JSON_WORDS =
  /(^|[^a-z0-9])(latest|update|updater|updates|release|releases|manifest)([^a-z0-9]|$)/;

/** Classifies `baseName` as an attachment, or returns undefined when it is not one. */
export function matchAttachment(baseName: string): AttachmentMatch | undefined {
  const lower = baseName.toLowerCase();

  for (const [suffix, attachment] of SUFFIX_ATTACHMENTS) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) {
      return { kind: 'attachment', attachment, relatesTo: baseName.slice(0, -suffix.length) };
    }
  }

  const withoutTxt = lower.endsWith('.txt') ? lower.slice(0, -'.txt'.length) : lower;
  if (CHECKSUM_LIST_NAMES.has(withoutTxt)) return { kind: 'attachment', attachment: 'checksums' };
  if (lower.endsWith('.txt') && CHECKSUM_WORDS.test(withoutTxt)) {
    return { kind: 'attachment', attachment: 'checksums' };
  }

  if (lower.endsWith('.yml') || lower.endsWith('.yaml'))
    return { kind: 'attachment', attachment: 'metadata' };
  // Squirrel.Windows feeds are a file literally called RELEASES (some projects add an arch suffix).
  if (/^releases(-[a-z0-9]+)?$/.test(lower)) return { kind: 'attachment', attachment: 'metadata' };
  if (lower.endsWith('.json') && UPDATER_JSON_WORDS.test(lower.slice(0, -'.json'.length))) {
    return { kind: 'attachment', attachment: 'metadata' };
  }
  if (lower.endsWith('.xml') && lower.includes('appcast'))
    return { kind: 'attachment', attachment: 'metadata' };
  return undefined;
}
