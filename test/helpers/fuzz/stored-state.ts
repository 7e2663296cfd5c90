/**
 * What a gateway has stored, in a form cheap to compare: per table its row count and a digest of
 * its rows, and a digest of the artifacts directory (names and sizes). A refused request must
 * leave it unchanged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Tables } from '../../../src/db/tables.js';

/**
 * Every table (the type makes a new table a compile error here until it is listed), and whether a
 * refusal must leave it unchanged: not the usage buckets, which count every request, refused ones
 * included (the admin key's as `admin`).
 */
const TABLES: Record<keyof Tables, boolean> = {
  audit_log: true,
  api_keys: true,
  api_key_usage_daily: true,
  projects: true,
  channels: true,
  versions: true,
  builds: true,
  github_sync_state: true,
  github_etags: true,
  github_releases: true,
  github_sync_locks: true,
  change_log: true,
  api_key_usage_buckets: false,
  api_key_model_tokens: true,
  console_sessions: true,
};

function digest(lines: string[]): string {
  const hash = createHash('sha256');
  for (const line of [...lines].sort()) hash.update(line).update('\n');
  return hash.digest('hex').slice(0, 16);
}

/** Waits for the writes a request may have started in the background: counters, verification, syncs. */
export async function settle(app: FastifyInstance): Promise<void> {
  const { usage, catalog, artifacts, github } = app.gateway;
  await Promise.all([
    usage.flush(),
    catalog.downloads.flush(),
    artifacts.verifier.idle(),
    artifacts.uploads.idle(),
    github.idle(),
  ]);
}

export async function storedState(app: FastifyInstance, dataDir: string): Promise<Record<string, string>> {
  const { db } = app.gateway.database;
  const state: Record<string, string> = {};
  for (const table of Object.keys(TABLES) as (keyof Tables)[]) {
    if (!TABLES[table]) continue;
    const rows = await db.selectFrom(table).selectAll().execute();
    state[table] = `${rows.length} rows ${digest(rows.map((row) => JSON.stringify(row)))}`;
  }
  const root = path.join(dataDir, 'artifacts');
  const files = fs.existsSync(root)
    ? fs
        .readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const file = path.join(entry.parentPath, entry.name);
          return `${path.relative(root, file)} ${fs.statSync(file).size}`;
        })
    : [];
  state.artifacts = `${files.length} files ${digest(files)}`;
  return state;
}
