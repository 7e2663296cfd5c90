/**
 * DATA_DIR holds the database (key hashes, the audit log), the generated secrets and uploaded builds:
 * nobody but the gateway's own user has any business reading it. New directories and database files
 * are created private; existing ones with wider modes are tightened (a start after an upgrade fixes
 * what older versions created 0755/0644).
 */
import fs from 'node:fs';

/** Owner-only modes. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Removes group and other access from `file`; leaves alone files it does not own (chmod would fail). */
function tighten(file: string, mode: number): void {
  const stats = fs.statSync(file, { throwIfNoEntry: false });
  if (stats === undefined || (stats.mode & 0o777) === mode) return;
  if (process.getuid !== undefined && stats.uid !== process.getuid()) return;
  fs.chmodSync(file, mode);
}

/** Creates `dir` (and missing parents) as 0700, or tightens it to 0700 when it exists. */
export function ensurePrivateDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  tighten(dir, PRIVATE_DIRECTORY_MODE);
}

/**
 * Creates an empty `file` as 0600 unless it exists, and tightens it and `companions` (SQLite's
 * `-wal` and `-shm`, which SQLite creates with the database file's own mode) to 0600.
 */
export function ensurePrivateFile(file: string, companions: string[] = []): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, ...companions]) tighten(path, PRIVATE_FILE_MODE);
}
