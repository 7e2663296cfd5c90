import type { Migration } from 'kysely';
import type { DialectName } from '../dialect.js';
import { auditLogMigration } from './0001-audit-log.js';
import { apiKeysMigration } from './0002-api-keys.js';
import { catalogMigration } from './0003-catalog.js';
import { buildSha1Migration } from './0004-build-sha1.js';
import { githubSyncMigration } from './0005-github-sync.js';
import { artifactsMigration } from './0006-artifacts.js';
import { buildMinOsVersionMigration } from './0007-build-min-os-version.js';
import { buildVerificationRetriesMigration } from './0008-build-verification-retries.js';
import { changeLogMigration } from './0009-change-log.js';
import { keyUsageHourlyMigration } from './0010-key-usage-hourly.js';
import { consoleSessionsMigration } from './0011-console-sessions.js';

/**
 * Every migration, in order. Names sort lexically; never rename or edit one that has shipped, add
 * a new one instead.
 */
export function allMigrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001-audit-log': auditLogMigration(dialect),
    '0002-api-keys': apiKeysMigration(dialect),
    '0003-catalog': catalogMigration(dialect),
    '0004-build-sha1': buildSha1Migration(),
    '0005-github-sync': githubSyncMigration(),
    '0006-artifacts': artifactsMigration(),
    '0007-build-min-os-version': buildMinOsVersionMigration(),
    '0008-build-verification-retries': buildVerificationRetriesMigration(),
    '0009-change-log': changeLogMigration(dialect),
    '0010-key-usage-hourly': keyUsageHourlyMigration(dialect),
    '0011-console-sessions': consoleSessionsMigration(),
  };
}
