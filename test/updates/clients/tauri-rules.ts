/**
 * What the Tauri v2 updater (tauri-plugin-updater) enforces on a dynamic update endpoint, read from
 * tauri-apps/plugins-workspace:
 * - plugins/updater/src/updater.rs at 77149dc4 (fetched, Oct 2024) and at 0163bbac (a newer version
 *   from the code index, with `{{bundle_type}}` and `riscv64`): `Updater::check` (URL templating, 204, non-2xx skipped,
 *   JSON into `RemoteRelease`), `RemoteRelease::deserialize` (`version` alias `name` via
 *   `parse_version`, `pub_date` as `time`'s Rfc3339, `url: Option<url::Url>`, `signature: Option<String>`),
 *   `get_updater_target`/`updater_os`, `get_updater_arch`/`updater_arch`, `Update::download`
 *   (status check, then `verify_signature`);
 * - plugins/updater/src/error.rs (the messages), plugins/updater/src/config.rs (`validate_endpoints`:
 *   release builds refuse non-https endpoints unless `dangerousInsecureTransportProtocol`).
 * The `url` field is a `url::Url` (WHATWG parsing, like `new URL(url)` without a base): a
 * root-relative path fails serde with url's `ParseError::RelativeUrlWithoutBase`.
 */
import { parseRfc3339, parseRustSemver } from './rust-parsers.js';

/** `{{target}}`: the OS name the client substitutes (`get_updater_target`). */
export const TAURI_TARGETS = ['linux', 'darwin', 'windows'] as const;
/** `{{arch}}` (`get_updater_arch`; `riscv64` since the newer snapshot). */
export const TAURI_ARCHES = ['x86_64', 'aarch64', 'i686', 'armv7', 'riscv64'] as const;
/** `{{bundle_type}}` (newer snapshot: `Installer::name`, or `unknown`). */
export const TAURI_BUNDLE_TYPES = ['appimage', 'deb', 'rpm', 'app', 'msi', 'nsis', 'unknown'] as const;

export class TauriUpdaterError extends Error {}

export interface TauriTemplateValues {
  target: (typeof TAURI_TARGETS)[number];
  arch: (typeof TAURI_ARCHES)[number];
  currentVersion: string;
  bundleType?: (typeof TAURI_BUNDLE_TYPES)[number];
}

/**
 * The URL the client requests for an endpoint template: the endpoint is a parsed `Url`, whose path
 * has `{`/`}` percent-encoded, so both spellings are replaced; the version is percent-encoded
 * (CONTROLS plus `+`, so build metadata arrives as `%2B`).
 */
export function tauriEndpoint(template: string, values: TauriTemplateValues): string {
  const version = [...values.currentVersion]
    .map((char) => {
      const code = char.charCodeAt(0);
      const encode = code < 0x20 || code === 0x7f || char === '+';
      return encode ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char;
    })
    .join('');
  const bundleType = values.bundleType ?? 'unknown';
  let url = new URL(template).href;
  for (const [name, value] of [
    ['current_version', version],
    ['target', values.target],
    ['arch', values.arch],
    ['bundle_type', bundleType],
  ] as const) {
    url = url.replaceAll(`%7B%7B${name}%7D%7D`, value).replaceAll(`{{${name}}}`, value);
  }
  return new URL(url).href;
}

export interface TauriRelease {
  version: string;
  url: string;
  signature: string;
  notes: string | null;
  /** Milliseconds since the epoch, when `pub_date` was given. */
  pubDate: number | null;
}

function serdeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return Array.isArray(value) ? 'sequence' : 'map';
}

function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string')
    throw new TauriUpdaterError(`invalid type: ${serdeType(value)}, expected a string`);
  return value;
}

/**
 * One endpoint's answer as `Updater::check` takes it: `null` for 204 (no update); a release when
 * the JSON deserialises; otherwise throws the error the client returns. A non-2xx answer is
 * skipped by the client, which — with this single endpoint — ends in `ReleaseNotFound`.
 */
export function parseTauriAnswer(status: number, body: string): TauriRelease | null {
  if (status < 200 || status > 299) {
    throw new TauriUpdaterError('Could not fetch a valid release JSON from the remote');
  }
  if (status === 204) return null;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new TauriUpdaterError('error decoding response body');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TauriUpdaterError(`invalid type: ${serdeType(json)}, expected struct InnerRemoteRelease`);
  }
  const fields = json as Record<string, unknown>;
  const rawVersion = fields.version ?? fields.name;
  if (rawVersion === undefined) throw new TauriUpdaterError('missing field `version`');
  if (typeof rawVersion !== 'string') {
    throw new TauriUpdaterError(`invalid type: ${serdeType(rawVersion)}, expected a string`);
  }
  const version = rawVersion.replace(/^v+/, '');
  try {
    parseRustSemver(version);
  } catch (error) {
    throw new TauriUpdaterError((error as Error).message);
  }
  const notes = optionalString(fields, 'notes');
  const rawDate = optionalString(fields, 'pub_date');
  const url = optionalString(fields, 'url');
  if (url !== null && !URL.canParse(url)) {
    const reason = URL.canParse(url, 'https://base.invalid/') ? 'relative URL without a base' : 'invalid URL';
    throw new TauriUpdaterError(`invalid value: string ${JSON.stringify(url)}, expected ${reason}`);
  }
  const signature = optionalString(fields, 'signature');
  let pubDate: number | null = null;
  if (rawDate !== null) {
    try {
      pubDate = parseRfc3339(rawDate);
    } catch (error) {
      throw new TauriUpdaterError(`invalid value for \`pub_date\`: ${(error as Error).message}`);
    }
  }
  if ('platforms' in fields)
    throw new TauriUpdaterError('static `platforms` answers are not what the gateway serves');
  if (url === null) throw new TauriUpdaterError('the `url` field was not set on the updater response');
  if (signature === null)
    throw new TauriUpdaterError('the `signature` field was not set on the updater response');
  return { version, url: new URL(url).href, signature, notes, pubDate };
}

/** `Update::download`: a non-2xx download fails before any signature check. */
export function checkTauriDownloadStatus(status: number, statusText: string): void {
  if (status < 200 || status > 299) {
    throw new TauriUpdaterError(`\`Download request failed with status: ${status} ${statusText}\``);
  }
}
