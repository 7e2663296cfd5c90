/**
 * Signed, expiring download URLs for uploaded builds: `/files/<project>/<channel>/<version>/<build>/<file>
 * ?expires=<unix seconds>&signature=<HMAC-SHA256>`. The signature covers every path segment, the
 * expiry and the build's storage key, so a URL opens exactly one file until it expires, and a build
 * deleted and uploaded again never answers an old URL. The `/files` route needs no API key: holding
 * the URL is the permission, granted by the authenticated download route that issued it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../infra/clock.js';
import { ensurePrivateDirectory } from '../infra/private-files.js';

export interface SignedFile {
  projectId: string;
  channelId: string;
  version: string;
  buildId: string;
  fileName: string;
  storageKey: string;
}

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

export function createUrlSigner(deps: { secret: string; clock: Clock; ttlMs: number }) {
  const { secret, clock, ttlMs } = deps;

  const mac = (file: SignedFile, expires: number) =>
    createHmac('sha256', secret)
      .update(
        JSON.stringify([
          file.projectId,
          file.channelId,
          file.version,
          file.buildId,
          file.fileName,
          file.storageKey,
          expires,
        ]),
      )
      .digest();

  return {
    /** A path relative to the gateway's base URL. */
    sign(file: SignedFile): string {
      const expires = Math.ceil((clock.now() + ttlMs) / 1000);
      const segments = [file.projectId, file.channelId, file.version, file.buildId, file.fileName]
        .map(encodeURIComponent)
        .join('/');
      const signature = mac(file, expires).toString('base64url');
      return `/files/${segments}?expires=${expires}&signature=${signature}`;
    },

    /** The signature is checked first (in constant time), so an altered expiry reads as tampering. */
    check(file: SignedFile, expires: number, signature: string): SignatureCheck {
      const expected = mac(file, expires);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      return clock.now() > expires * 1000 ? 'expired' : 'valid';
    },
  };
}

export type UrlSigner = ReturnType<typeof createUrlSigner>;

export const SIGNING_SECRET_FILE = 'download-signing-secret';

/**
 * `DOWNLOAD_SIGNING_SECRET` when configured; otherwise a secret generated once and kept in
 * `DATA_DIR/download-signing-secret` (mode 0600), in every environment. Uploaded files live under
 * the same DATA_DIR, so any instance able to serve them reads the same secret and restarts keep
 * issued URLs valid. Instances that share files but not DATA_DIR must configure the variable.
 */
export function resolveSigningSecret(config: { signingSecret: string | undefined; dataDir: string }): {
  secret: string;
  source: 'configured' | 'stored' | 'generated';
} {
  if (config.signingSecret !== undefined) return { secret: config.signingSecret, source: 'configured' };
  const file = path.join(config.dataDir, SIGNING_SECRET_FILE);
  ensurePrivateDirectory(config.dataDir);
  try {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return { secret: stored, source: 'stored' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('hex');
  try {
    // `wx`: when several instances start together on one DATA_DIR, the first one's secret wins.
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: fs.readFileSync(file, 'utf8').trim(), source: 'stored' };
  }
  return { secret, source: 'generated' };
}
