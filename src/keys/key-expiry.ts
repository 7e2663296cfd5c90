/**
 * Durations for `expiresIn` and rotation grace periods: `<n>m` (minutes, grace only), `<n>h`,
 * `<n>d`, `<n>w`, `<n>y` (365 days).
 */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 } as const;

export const DURATION_PATTERN = '^[1-9][0-9]{0,5}[mhdwy]$';

export function parseDuration(text: string): number | undefined {
  const match = /^([1-9]\d{0,5})([mhdwy])$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * The latest moment a key or a rotation's grace period may last to: the end of year 9999, the last
 * one an ISO-8601 timestamp with a four-digit year (what the API answers) can name.
 */
export const LATEST_EXPIRY = '9999-12-31T23:59:59Z';
export const LATEST_EXPIRY_MS = Date.parse(LATEST_EXPIRY);

/** When a duration starting at `now` ends, or undefined when that is after `LATEST_EXPIRY`. */
export function durationEnd(now: number, duration: string): number | undefined {
  const end = now + (parseDuration(duration) ?? 0);
  return end > LATEST_EXPIRY_MS ? undefined : end;
}

/** A stored expiry as the API shows it: one stored beyond the bound (older gateways allowed it) reads as the bound. */
export function shownExpiry(stored: string | null): string | null {
  if (stored === null) return null;
  return Date.parse(stored) > LATEST_EXPIRY_MS ? LATEST_EXPIRY : stored;
}
