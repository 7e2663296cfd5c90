/** Platforms and architectures a build can target, and which build serves a given client. */

export const PLATFORMS = ['windows', 'macos', 'linux'] as const;
export const ARCHITECTURES = ['x64', 'arm64', 'x86', 'universal'] as const;

export type Platform = (typeof PLATFORMS)[number];
export type Architecture = (typeof ARCHITECTURES)[number];

/**
 * The build a client on (platform, architecture) should install: an exact match first; on macOS a
 * `universal` build also serves x64 and arm64 machines. When two builds claim one target, the first
 * in `builds` serves it.
 */
export function buildForTarget<B extends { platform: string; architecture: string }>(
  builds: readonly B[],
  platform: string,
  architecture: string,
): B | undefined {
  const exact = builds.find((build) => build.platform === platform && build.architecture === architecture);
  if (exact !== undefined) return exact;
  if (platform === 'macos' && (architecture === 'x64' || architecture === 'arm64')) {
    return builds.find((build) => build.platform === 'macos' && build.architecture === 'universal');
  }
  return undefined;
}
