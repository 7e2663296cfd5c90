import { Migrator } from 'kysely';
import type { Database } from './database.js';
import { allMigrations } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
}

/** The migrator of `database` (also used by tests that step through migrations). */
export function createMigrator(database: Database): Migrator {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => allMigrations(database.dialect) },
    // Kysely looks for its bookkeeping tables across every schema; name ours so that another
    // schema's tables (another gateway or test sharing the database) are not mistaken for them.
    ...(database.pgSchema ? { migrationTableSchema: database.pgSchema } : {}),
  });
}

/** Applies every pending migration. Safe to run from several instances at once (the migrator locks). */
export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  await database.ping();
  const { error, results } = await createMigrator(database).migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).map((result) => result.migrationName) };
}
