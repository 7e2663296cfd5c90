/**
 * Electron's built-in `autoUpdater` on macOS (Squirrel.Mac) reads a JSON "update server" answer:
 * 204 when there is nothing to install, else `{url, name, notes, pub_date}` where `url` is a zip.
 */
import type { ResolvedCheck } from '../update-resolver.js';

export interface ElectronUpdate {
  url: string;
  name: string;
  notes: string;
  pub_date: string;
}

/** The JSON body, or undefined for 204. */
export function electronUpdate({ resolution }: ResolvedCheck): ElectronUpdate | undefined {
  if (!resolution.updateAvailable) return undefined;
  const { version, build } = resolution.offer;
  return {
    url: build.downloadUrl,
    name: version.name,
    notes: version.releaseNotes,
    pub_date: version.publishedAt ?? version.createdAt,
  };
}
