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
