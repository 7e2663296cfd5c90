/**
 * Tauri v2 updater, dynamic server form: the client asks
 * `…/tauri/{{target}}/{{arch}}/{{current_version}}` and expects 204 when it is up to date, else
 * `{version, url, signature, notes, pub_date}` with `pub_date` in RFC 3339. Only signed builds are
 * offered (see `TAURI_BUILDS`).
 */
import { buildLink, type Links } from '../../catalog/build-links.js';
import type { ResolvedCheck } from '../update-resolver.js';

export interface TauriUpdate {
  version: string;
  url: string;
  signature: string;
  notes: string;
  pub_date: string;
}

/** The JSON body, or undefined for 204. */
export function tauriUpdate({ resolution }: ResolvedCheck, links: Links): TauriUpdate | undefined {
  if (!resolution.updateAvailable) return undefined;
  const { version, build } = resolution.offer;
  return {
    version: version.version,
    url: buildLink(build, links),
    signature: build.signature ?? '',
    notes: version.releaseNotes,
    pub_date: version.publishedAt ?? version.createdAt,
  };
}
