import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CoreConfig } from './config.js';
import { ensurePrivateDirectory } from './infra/private-files.js';

export const ADMIN_KEY_FILE = 'admin-key';

export interface AdminKeyResolution {
  key: string;
  /** `generated`: created now (print it once); `stored`: read from DATA_DIR; `configured`: from the environment. */
  source: 'configured' | 'generated' | 'stored';
  file?: string;
}

/**
 * Development convenience: without `API_KEY_ADMIN`, a random admin key is generated once and kept
 * under DATA_DIR (mode 0600) so that restarts keep working with the same key. Production never
 * reaches this: `loadConfig` refuses to start without a configured key.
 */
export function resolveAdminKey(
  config: Pick<CoreConfig, 'apiKeyAdmin' | 'dataDir' | 'nodeEnv'>,
): AdminKeyResolution {
  if (config.apiKeyAdmin !== undefined) return { key: config.apiKeyAdmin, source: 'configured' };
  if (config.nodeEnv === 'production') throw new Error('API_KEY_ADMIN is required in production');
  const file = path.join(config.dataDir, ADMIN_KEY_FILE);
  ensurePrivateDirectory(config.dataDir);
  try {
    const stored = fs.readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return { key: stored, source: 'stored', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = `lbadmin_${randomBytes(32).toString('hex')}`;
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'w' });
  fs.chmodSync(file, 0o600);
  return { key, source: 'generated', file };
}
