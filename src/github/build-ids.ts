/**
 * Build ids for the files of one release, shared by the GitHub sync and `lunarbit release publish`
 * so that the same files get the same ids whichever way they reach the catalog.
 *
 * Ids are `<platform>-<architecture>`; when several files serve one target, the preferred one
 * (installer before package before archive, not portable) takes the plain id and the others
 * `<platform>-<architecture>-<format>` (`macos-universal-zip`, `windows-x64-exe-portable`), with a
 * numeric suffix only if even that is taken. Pure and deterministic: the same names in the same
 * order always get the same ids.
 */
import type { BuildFormat, BuildMatch } from './asset-matcher.js';

// Installers before packages before archives: the plain `<platform>-<architecture>` id goes to the
// file a user most likely wants.
const FORMAT_PREFERENCE: readonly BuildFormat[] = [
  'exe',
  'msi',
  'msix',
  'appx',
  'dmg',
  'pkg',
  'appimage',
  'deb',
  'rpm',
  'snap',
  'flatpak',
  'pacman',
  'nsis.zip',
  'msi.zip',
  'app.tar.gz',
  'appimage.tar.gz',
  'nupkg',
  'zip',
  'tar.gz',
  'tar.xz',
  'tar.bz2',
  'tar.zst',
];

function preference(match: BuildMatch): number {
  return (match.portable ? 100 : 0) + FORMAT_PREFERENCE.indexOf(match.format);
}

/** The id of each build, keyed by its position in `builds`. */
export function assignBuildIds(builds: readonly { match: BuildMatch }[]): string[] {
  const order = builds.map((build, index) => ({ match: build.match, index }));
  // A stable sort: equally preferred files keep their given order.
  order.sort((a, b) => preference(a.match) - preference(b.match));
  const taken = new Set<string>();
  const ids: string[] = new Array(builds.length);
  for (const { match, index } of order) {
    const target = `${match.platform}-${match.architecture}`;
    const base = taken.has(target)
      ? `${target}-${match.format.replace(/\./g, '-')}${match.portable ? '-portable' : ''}`
      : target;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    ids[index] = id;
  }
  return ids;
}
