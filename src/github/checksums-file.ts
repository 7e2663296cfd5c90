/**
 * Reads SHA-256 digests from a checksum asset (`SHA256SUMS`, `checksums.txt`, `App.exe.sha256`) so
 * that builds of releases without GitHub's `digest` field can still be verified.
 *
 * Accepted lines (anything else is skipped, so a file mixing SHA-512 and SHA-256 yields the latter):
 * - GNU coreutils: `<64 hex>  <name>` (text mode), `<64 hex> *<name>` (binary mode), and the
 *   single-space `<64 hex> <name>` that many release scripts write;
 * - GNU escaped lines: a leading `\` means `\\` and `\n` in the name are escapes;
 * - BSD / `shasum --tag`: `SHA256 (<name>) = <64 hex>`;
 * - a bare `<64 hex>` when `options.fileName` names the file it belongs to (single-file `.sha256`).
 *
 * Names are reduced to their last path segment (`./dist/App.exe` → `App.exe`) because release
 * assets are flat while checksum lists are often written from a build directory. Digests are
 * returned lowercase. The first line for a name wins.
 */
export function parseChecksumsFile(text: string, options: { fileName?: string } = {}): Map<string, string> {
  const digests = new Map<string, string>();
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const entry = parseLine(rawLine.trim(), options.fileName);
    if (entry && entry.name !== '' && !digests.has(entry.name)) digests.set(entry.name, entry.sha256);
  }
  return digests;
}

const GNU_LINE = /^(\\?)([0-9a-fA-F]{64}) [ *]?(.+)$/;
const BSD_LINE = /^(\\?)SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$/i;
const BARE_DIGEST = /^[0-9a-fA-F]{64}$/;

function parseLine(line: string, fileName: string | undefined): { name: string; sha256: string } | undefined {
  if (line === '' || line.startsWith('#')) return undefined;

  const gnu = GNU_LINE.exec(line);
  if (gnu) return { name: cleanName(gnu[3]!, gnu[1] === '\\'), sha256: gnu[2]!.toLowerCase() };

  const bsd = BSD_LINE.exec(line);
  if (bsd) return { name: cleanName(bsd[2]!, bsd[1] === '\\'), sha256: bsd[3]!.toLowerCase() };

  if (fileName !== undefined && BARE_DIGEST.test(line)) {
    return { name: cleanName(fileName, false), sha256: line.toLowerCase() };
  }
  return undefined;
}

function cleanName(name: string, escaped: boolean): string {
  const unescaped = escaped
    ? name.replace(/\\(\\|n)/g, (_, code: string) => (code === 'n' ? '\n' : '\\'))
    : name;
  return unescaped.slice(Math.max(unescaped.lastIndexOf('/'), unescaped.lastIndexOf('\\')) + 1);
}
