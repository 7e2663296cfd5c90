/** Platforms and architectures a build can target, and which build serves a given client. */

export const PLATFORMS = ['windows', 'macos', 'linux'] as const;
export const ARCHITECTURES = ['x64', 'arm64', 'x86', 'universal'] as const;

export type Platform = (typeof PLATFORMS)[number];
export type Architecture = (typeof ARCHITECTURES)[number];

/** `windows/x64`: the key of a build in a version's target index. */
export type TargetKey = `${string}/${string}`;

export function targetKey(platform: string, architecture: string): TargetKey {
  return `${platform}/${architecture}`;
}

/**
 * The build a client on (platform, architecture) should install: an exact match first; on macOS a
 * `universal` build also serves x64 and arm64 machines.
 */
export function buildForTarget<B>(
  byTarget: ReadonlyMap<TargetKey, B>,
  platform: string,
  architecture: string,
): B | undefined {
  const exact = byTarget.get(targetKey(platform, architecture));
  if (exact !== undefined) return exact;
  if (platform === 'macos' && (architecture === 'x64' || architecture === 'arm64')) {
    return byTarget.get(targetKey('macos', 'universal'));
  }
  return undefined;
}
