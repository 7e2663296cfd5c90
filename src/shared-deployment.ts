import type { CoreConfig } from './config.js';

type SecretSource = 'configured' | 'stored' | 'generated';

/**
 * What a gateway started for several instances (PostgreSQL and Redis) keeps to itself when it was not
 * configured: each instance's generated admin key and download-signing secret live in its own
 * DATA_DIR, together with uploaded files. Unless that DATA_DIR is one volume all instances share,
 * another instance refuses this one's admin key, answers 403 to its signed links and 404 to its files.
 * Returns one warning per such setting, empty for a single instance or a complete setup.
 */
export function sharedDeploymentWarnings(
  config: Pick<CoreConfig, 'database' | 'redisUrl' | 'dataDir'>,
  sources: { adminKey: SecretSource; signingSecret: SecretSource },
): string[] {
  if (config.database.kind !== 'postgres' || config.redisUrl === undefined) return [];
  const kept = `kept in DATA_DIR (${config.dataDir}), which every instance must share as one volume, with the uploaded files under DATA_DIR/artifacts`;
  const warnings: string[] = [];
  if (sources.adminKey !== 'configured') {
    warnings.push(
      `API_KEY_ADMIN is not set: this instance's admin key is ${kept}; set API_KEY_ADMIN on every instance`,
    );
  }
  if (sources.signingSecret !== 'configured') {
    warnings.push(
      `DOWNLOAD_SIGNING_SECRET is not set: this instance's signing secret is ${kept}; set DOWNLOAD_SIGNING_SECRET on every instance`,
    );
  }
  return warnings;
}
