/** Channel defaults and the rules for `includes`. Pure. */
import { AppError } from '../errors.js';
import type { CreateChannelInput } from './catalog-admin-schemas.js';

/** What a project gets when it is created without channels. */
export const DEFAULT_CHANNELS: readonly Required<Omit<CreateChannelInput, 'includes'>>[] = [
  { id: 'stable', name: 'Stable', description: 'Production-ready releases', auto_update: true },
  { id: 'beta', name: 'Beta', description: 'Preview releases for testing', auto_update: false },
];

/** Less stable channels offer the releases of more stable ones unless told otherwise. */
const DEFAULT_INCLUDES: Readonly<Record<string, readonly string[]>> = {
  beta: ['stable'],
  dev: ['beta', 'stable'],
};

export function defaultIncludes(channelId: string, existing: ReadonlySet<string>): string[] {
  return (DEFAULT_INCLUDES[channelId] ?? []).filter((id) => existing.has(id));
}

export function defaultChannelName(channelId: string): string {
  return channelId.charAt(0).toUpperCase() + channelId.slice(1);
}

function reaches(from: string, target: string, declared: ReadonlyMap<string, readonly string[]>): boolean {
  const seen = new Set<string>();
  const stack = [...(declared.get(from) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === target) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(declared.get(next) ?? []));
  }
  return false;
}

/**
 * Throws 400 unless every channel's `includes` names other existing channels without a cycle: a
 * cycle would make a stable channel offer its own previews.
 */
export function assertValidIncludes(declared: ReadonlyMap<string, readonly string[]>): void {
  for (const [channelId, includes] of declared) {
    const unknown = includes.filter((id) => !declared.has(id));
    if (unknown.length > 0) {
      throw new AppError(
        'INVALID_REQUEST',
        `Channel '${channelId}' includes unknown channels: ${unknown.join(', ')}`,
        {
          field: 'includes',
          channel: channelId,
          unknown_channels: unknown,
        },
      );
    }
    if (reaches(channelId, channelId, declared)) {
      throw new AppError(
        'INVALID_REQUEST',
        `Channel '${channelId}' would include itself through 'includes'`,
        {
          field: 'includes',
          channel: channelId,
        },
      );
    }
  }
}
