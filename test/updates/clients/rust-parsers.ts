/**
 * Two Rust parsers the Tauri updater relies on, ported with their error messages, so that a test
 * rejects exactly what the client rejects:
 * - `semver::Version::from_str` — dtolnay/semver, src/parse.rs (`FromStr for Version`,
 *   `numeric_identifier`, `dot`, `identifier`) and src/error.rs (messages), fetched at 8591f234.
 * - `OffsetDateTime::parse(s, &Rfc3339)` — time-rs/time, time/src/parsing/parsable.rs at 01ac0eaa
 *   (code index; `Rfc3339::parse_offset_date_time`) and the `Display` of its parse errors. Older
 *   `time` releases wanted `T`/`t` between date and time; this one takes any single byte.
 */

const POSITION = {
  major: 'major version number',
  minor: 'minor version number',
  patch: 'patch version number',
  pre: 'pre-release identifier',
  build: 'build metadata',
} as const;
type Position = keyof typeof POSITION;

/** Rust's `{:?}` of a char, for the characters a version string can hold. */
const debugChar = (char: string) => `'${char === "'" ? "\\'" : char === '\\' ? '\\\\' : char}'`;

class SemverError extends Error {}

function numericIdentifier(input: string, position: Position): [bigint, string] {
  let length = 0;
  let value = 0n;
  while (length < input.length && input[length]! >= '0' && input[length]! <= '9') {
    if (value === 0n && length > 0) throw new SemverError(`invalid leading zero in ${POSITION[position]}`);
    value = value * 10n + BigInt(input.charCodeAt(length) - 48);
    if (value > 0xffff_ffff_ffff_ffffn)
      throw new SemverError(`value of ${POSITION[position]} exceeds u64::MAX`);
    length += 1;
  }
  if (length > 0) return [value, input.slice(length)];
  const [unexpected] = input;
  if (unexpected !== undefined) {
    throw new SemverError(
      `unexpected character ${debugChar(unexpected)} while parsing ${POSITION[position]}`,
    );
  }
  throw new SemverError(`unexpected end of input while parsing ${POSITION[position]}`);
}

function dot(input: string, position: Position): string {
  if (input.startsWith('.')) return input.slice(1);
  const [unexpected] = input;
  if (unexpected !== undefined) {
    throw new SemverError(`unexpected character ${debugChar(unexpected)} after ${POSITION[position]}`);
  }
  throw new SemverError(`unexpected end of input while parsing ${POSITION[position]}`);
}

function identifier(input: string, position: 'pre' | 'build'): [string, string] {
  let accumulated = 0;
  let segment = 0;
  let segmentHasNonDigit = false;
  for (;;) {
    const byte = input[accumulated + segment];
    if (byte !== undefined && /[A-Za-z-]/.test(byte)) {
      segment += 1;
      segmentHasNonDigit = true;
    } else if (byte !== undefined && /[0-9]/.test(byte)) {
      segment += 1;
    } else {
      if (segment === 0) {
        if (accumulated === 0 && byte !== '.') return ['', input];
        throw new SemverError(`empty identifier segment in ${POSITION[position]}`);
      }
      if (position === 'pre' && segment > 1 && !segmentHasNonDigit && input[accumulated] === '0') {
        throw new SemverError(`invalid leading zero in ${POSITION[position]}`);
      }
      accumulated += segment;
      if (byte !== '.') return [input.slice(0, accumulated), input.slice(accumulated)];
      accumulated += 1;
      segment = 0;
      segmentHasNonDigit = false;
    }
  }
}

export interface RustSemver {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  build: string;
}

/** `semver::Version::from_str`; throws with the crate's message. */
export function parseRustSemver(text: string): RustSemver {
  if (text === '') throw new SemverError('empty string, expected a semver version');
  const [major, afterMajor] = numericIdentifier(text, 'major');
  const [minor, afterMinor] = numericIdentifier(dot(afterMajor, 'major'), 'minor');
  const [patch, afterPatch] = numericIdentifier(dot(afterMinor, 'minor'), 'patch');
  let rest = afterPatch;
  let position: Position = 'patch';
  let pre = '';
  let build = '';
  if (rest.startsWith('-')) {
    position = 'pre';
    [pre, rest] = identifier(rest.slice(1), 'pre');
    if (pre === '') throw new SemverError('empty identifier segment in pre-release identifier');
  }
  if (rest.startsWith('+')) {
    position = 'build';
    [build, rest] = identifier(rest.slice(1), 'build');
    if (build === '') throw new SemverError('empty identifier segment in build metadata');
  }
  const [unexpected] = rest;
  if (unexpected !== undefined) {
    throw new SemverError(`unexpected character ${debugChar(unexpected)} after ${POSITION[position]}`);
  }
  return { major, minor, patch, pre, build };
}

class TimeParseError extends Error {}
const invalidComponent = (name: string) => new TimeParseError(`the '${name}' component could not be parsed`);
const outOfRange = (name: string, min: number, max: number, conditional = false) =>
  new TimeParseError(
    `${name} must be in the range ${min}..=${max}${conditional ? ', given values of other parameters' : ''}`,
  );

function digits(input: string, at: number, count: number, component: string): number {
  const text = input.slice(at, at + count);
  if (!new RegExp(`^[0-9]{${count}}$`).test(text)) throw invalidComponent(component);
  return Number(text);
}

function literal(input: string, at: number, char: string): void {
  if (input[at] !== char) throw new TimeParseError('a character literal was not valid');
}

/** `Date.UTC` reads years below 100 as 19xx; the parsers take years as written. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

const daysIn = (year: number, month: number) => new Date(utc(year, month + 1, 0)).getUTCDate();

/**
 * `OffsetDateTime::parse(s, &Rfc3339)`: `YYYY-MM-DD`, any one separator byte, `HH:MM:SS`, an
 * optional `.` and one or more digits, then `Z`/`z` or `±HH:MM` (offset hour ≤ 23), nothing after.
 * A leap second (`:60`) only as the last second of a month in UTC. Returns milliseconds since the
 * epoch; throws with the crate's message.
 */
export function parseRfc3339(input: string): number {
  const year = digits(input, 0, 4, 'year');
  literal(input, 4, '-');
  const month = digits(input, 5, 2, 'month');
  literal(input, 7, '-');
  const day = digits(input, 8, 2, 'day');
  if (input.length <= 10) throw invalidComponent('separator');
  const hour = digits(input, 11, 2, 'hour');
  literal(input, 13, ':');
  const minute = digits(input, 14, 2, 'minute');
  literal(input, 16, ':');
  let second = digits(input, 17, 2, 'second');
  let at = 19;
  let milliseconds = 0;
  if (input[at] === '.') {
    const fraction = /^[0-9]+/.exec(input.slice(at + 1))?.[0];
    if (fraction === undefined) throw invalidComponent('subsecond');
    milliseconds = Number(fraction.padEnd(3, '0').slice(0, 3));
    at += 1 + fraction.length;
  }
  let offsetMinutes = 0;
  if (input[at] === 'Z' || input[at] === 'z') {
    at += 1;
  } else {
    const sign = input[at];
    if (sign !== '+' && sign !== '-') throw invalidComponent('offset hour');
    const offsetHour = /^[0-9]{2}/.test(input.slice(at + 1, at + 3))
      ? Number(input.slice(at + 1, at + 3))
      : NaN;
    if (!(offsetHour <= 23)) throw invalidComponent('offset hour');
    literal(input, at + 3, ':');
    const offsetMinute = digits(input, at + 4, 2, 'offset minute');
    if (offsetMinute > 59) throw outOfRange('offset minute', -59, 59);
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute);
    at += 6;
  }
  if (at !== input.length) {
    throw new TimeParseError('unexpected trailing characters; the end of input was expected');
  }
  const leapSecond = second === 60;
  if (leapSecond) second = 59;
  if (month < 1 || month > 12) throw outOfRange('month', 1, 12);
  if (day < 1 || day > daysIn(year, month)) throw outOfRange('day', 1, daysIn(year, month), true);
  if (hour > 23) throw outOfRange('hour', 0, 23);
  if (minute > 59) throw outOfRange('minute', 0, 59);
  if (second > 59) throw outOfRange('second', 0, 59);
  const instant =
    utc(year, month, day, hour, minute, second) + (leapSecond ? 999 : milliseconds) - offsetMinutes * 60_000;
  if (leapSecond) {
    const utc = new Date(instant);
    const lastSecondOfMonth =
      utc.getUTCDate() === daysIn(utc.getUTCFullYear(), utc.getUTCMonth() + 1) &&
      utc.getUTCHours() === 23 &&
      utc.getUTCMinutes() === 59 &&
      utc.getUTCSeconds() === 59;
    if (!lastSecondOfMonth) throw outOfRange('second', 0, 59, true);
  }
  return instant;
}
