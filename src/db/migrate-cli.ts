import { loadConfig } from '../app-config.js';
import { ConfigError } from '../config.js';
import { createDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
async function run(): Promise<void> {
  const config = loadConfig({ ...process.env, API_KEY_ADMIN: process.env.API_KEY_ADMIN ?? 'x'.repeat(32) });
  const database = await createDatabase(config);
  try {
    const report = await migrateToLatest(database);
    const where = config.database.kind === 'sqlite' ? config.database.file : 'PostgreSQL';
    process.stdout.write(
      report.applied.length === 0
        ? `Database ${where} is up to date.\n`
        : `Applied ${report.applied.length} migration(s) to ${where}: ${report.applied.join(', ')}\n`,
    );
  } finally {
    await database.close();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
