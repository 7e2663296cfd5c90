/**
 * Electron's built-in `autoUpdater` on macOS (Squirrel.Mac) reads a JSON "update server" answer:
 * 204 when there is nothing to install, else `{url, name, notes, pub_date}` where `url` is a zip.
 */
import { buildLink, type Links } from '../../catalog/build-links.js';
import type { ResolvedCheck } from '../update-resolver.js';

export interface ElectronUpdate {
  url: string;
  name: string;
  notes: string;
  pub_date: string;
}

/** The JSON body, or undefined for 204. */
export function electronUpdate({ resolution }: ResolvedCheck, links: Links): ElectronUpdate | undefined {
  if (!resolution.updateAvailable) return undefined;
  const { version, build } = resolution.offer;
  return {
    url: buildLink(build, links),
    name: version.name,
    notes: version.releaseNotes,
    pub_date: version.publishedAt ?? version.createdAt,
  };
}
