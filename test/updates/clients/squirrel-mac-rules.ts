/**
 * What Squirrel.Mac (the macOS half of Electron's built-in `autoUpdater`) enforces on an update
 * server's answer, read from Squirrel/Squirrel.Mac at 8d808803 (fetched):
 * - Squirrel/SQRLUpdater.m: the check request (`Accept: application/json`, the headers given to
 *   `setFeedURL`), RELEASESERVER mode (Electron's default `serverType`): a non-2xx status is
 *   "Update check failed", 204 is "no update", anything else is JSON turned into an `SQRLUpdate` by
 *   Mantle (`updateFromJSONData:`). The zip is fetched with a plain `NSURLRequest` for the URL
 *   (`requestForDownload`: no headers from the feed, `Accept: application/zip`), saved under the
 *   URL's `lastPathComponent` and expanded with `ditto -x -k` whatever its name: the body must be a
 *   zip of the .app, the name is not checked.
 * - Squirrel/SQRLUpdate.m: `url` through Mantle's URL transformer (`+[NSURL URLWithString:]`),
 *   then `validateUpdateURL:` — a scheme, a host (unless `file:`) and a path; `name`/`notes` must be
 *   strings or are dropped; `pub_date` with `yyyy-MM-dd'T'HH:mm:ssZZZZZ` or
 *   `EEE MMM dd HH:mm:ss Z yyyy` (en_US_POSIX) — no fractional seconds; an unparsable date is not an
 *   error, the release simply has no date.
 * - SquirrelTests/SQRLUpdateSpec.m: the dates it must read (copied into the unit test).
 */

export class SquirrelMacError extends Error {}

export interface SquirrelMacUpdate {
  updateURL: string;
  releaseName: string | null;
  releaseNotes: string | null;
  /** Milliseconds since the epoch; null when the date is missing or unreadable. */
  releaseDate: number | null;
}

/**
 * `+[NSURL URLWithString:]` as linked before macOS 14: nil for a string that is not a valid
 * RFC 1738/1808 URL (spaces, non-ASCII or other characters outside the URL alphabet unescaped).
 */
function nsUrl(text: string): URL | 'relative' | null {
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/.test(text)) return null;
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return null;
  return URL.canParse(text) ? new URL(text) : 'relative';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ZZZZZ` / `Z`: `Z`, `±HH:MM` or `±HHMM` → minutes east of UTC. */
function zoneMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

function utc(
  parts: { year: number; month: number; day: number; h: number; m: number; s: number },
  zone: string,
) {
  const { year, month, day, h, m, s } = parts;
  const date = new Date(Date.UTC(year, month - 1, day, h, m, s) - zoneMinutes(zone) * 60_000);
  const roundTrip = new Date(Date.UTC(year, month - 1, day, h, m, s));
  const valid =
    roundTrip.getUTCMonth() === month - 1 && roundTrip.getUTCDate() === day && h < 24 && m < 60 && s < 60;
  return valid ? date.getTime() : null;
}

/** `releaseDateJSONTransformer`: the two formats it tries, in order. */
export function parseSquirrelMacDate(text: string): number | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (iso !== null) {
    const [, year, month, day, h, m, s, zone] = iso;
    return utc({ year: +year!, month: +month!, day: +day!, h: +h!, m: +m!, s: +s! }, zone!);
  }
  const central =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}) (\d{4})$/.exec(
      text,
    );
  if (central !== null) {
    const [, , monthName, day, h, m, s, zone, year] = central;
    const month = MONTHS.indexOf(monthName!) + 1;
    if (month === 0) return null;
    return utc({ year: +year!, month, day: +day!, h: +h!, m: +m!, s: +s! }, zone!);
  }
  return null;
}

/**
 * One answer of the update server as Squirrel.Mac takes it: null for 204; an update; or throws
 * the client's error (its localized description and recovery suggestion).
 */
export function parseSquirrelMacAnswer(status: number, body: string): SquirrelMacUpdate | null {
  if (status < 200 || status > 299) {
    throw new SquirrelMacError('Update check failed: The server sent an invalid response. Try again later.');
  }
  if (status === 204) return null;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new SquirrelMacError('Update check failed: The server sent an invalid response. Try again later.');
  }
  const invalidJson = (detail: string) =>
    new SquirrelMacError(
      `Update check failed: The server sent an invalid JSON response. Try again later. (${detail})`,
    );
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidJson('not a dictionary');
  const fields = json as Record<string, unknown>;
  const raw = fields.url;
  const url = typeof raw === 'string' ? nsUrl(raw) : null;
  if (url === null) throw invalidJson('SQRLUpdate must be initialized with a valid updateURL.');
  // `path != nil` holds for every URL that parsed; scheme and host are what can be missing.
  if (url === 'relative' || (url.host === '' && url.protocol !== 'file:')) {
    throw invalidJson(`Update URLs must have a scheme, a host and a path: ${String(raw)}`);
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const date = text(fields.pub_date);
  return {
    updateURL: url.href,
    releaseName: text(fields.name),
    releaseNotes: text(fields.notes),
    releaseDate: date === null ? null : parseSquirrelMacDate(date),
  };
}

/** The name the downloaded zip is saved under (`zipDownloadURL.lastPathComponent`). */
export function squirrelMacDownloadName(updateURL: string): string {
  const segments = new URL(updateURL).pathname.split('/');
  return decodeURIComponent(segments.pop() || segments.pop() || '/');
}
