/**
 * Storage faults as `/health` and the error handler see them. A write that fails because the disk
 * is full, the database is read-only or the disk fails answers 503 `STORAGE_UNAVAILABLE` with
 * `Retry-After`, and the store it hit reports that fault in `/health` until a write to it succeeds
 * again (the gateway's own periodic writes — usage counters — find out without a client's help).
 */
import type { LogEvent } from 'kysely';
import { OBJECT_STORAGE_CODES, type ObjectStorageFault } from '../artifacts/artifacts-s3-errors.js';
import { type DatabaseFaultKind, databaseFaultOf, isLostDatabaseConnection } from '../db/storage-faults.js';
import { AppError } from '../errors.js';

/** A database or disk fault, or a bucket that cannot be reached or refuses the credentials. */
export type StorageFaultKind = DatabaseFaultKind | ObjectStorageFault;
/** `database_writes`: the database; `artifact_writes`: uploaded files (DATA_DIR/artifacts or the bucket). */
export type StorageCheck = 'database_writes' | 'artifact_writes';

/** Seconds a client is told to wait: long enough for an operator to react, short enough to notice. */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/**
 * File-system errors of the same three kinds (EFBIG: the process's file-size limit, a quota), and
 * the bucket faults the S3 storage names (artifacts-s3-errors.ts).
 */
const ARTIFACT_FAULTS: Record<string, StorageFaultKind> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EFBIG: 'disk_full',
  EROFS: 'read_only',
  EIO: 'io_error',
  [OBJECT_STORAGE_CODES.unreachable]: 'unreachable',
  [OBJECT_STORAGE_CODES.access_denied]: 'access_denied',
};

/** Which store a storage error hit and how; undefined for every other error. */
export function storageFaultOf(error: unknown): { check: StorageCheck; kind: StorageFaultKind } | undefined {
  const database = databaseFaultOf(error);
  if (database !== undefined) return { check: 'database_writes', kind: database };
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    const kind = code === undefined ? undefined : ARTIFACT_FAULTS[code];
    if (kind !== undefined) return { check: 'artifact_writes', kind };
    current = current.cause;
  }
  return undefined;
}

const WHAT: Record<StorageFaultKind, string> = {
  disk_full: 'the disk is full',
  read_only: 'the storage is read-only',
  io_error: 'the disk reports I/O errors',
  unreachable: 'the bucket cannot be reached',
  access_denied: 'the bucket refuses the credentials',
};
const WHERE: Record<StorageCheck, string> = {
  database_writes: 'database',
  artifact_writes: 'file storage',
};

/** Seconds a client is told to wait after a lost database connection: the pool reconnects at once. */
export const RECONNECT_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 a storage error becomes (the original stays its `cause`): `STORAGE_UNAVAILABLE` for a
 * full disk, a read-only store or I/O errors, `SERVICE_UNAVAILABLE` for a lost database connection;
 * undefined for other errors.
 */
export function storageUnavailable(error: unknown): AppError | undefined {
  if (error instanceof AppError) return undefined;
  const fault = storageFaultOf(error);
  if (fault === undefined) {
    if (!isLostDatabaseConnection(error)) return undefined;
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'The connection to the database was lost; nothing was stored. Retry the request.',
      { dependency: 'database' },
      { headers: { 'retry-after': String(RECONNECT_RETRY_AFTER_SECONDS) }, cause: error },
    );
  }
  return new AppError(
    'STORAGE_UNAVAILABLE',
    `The gateway cannot store this now (${WHERE[fault.check]}: ${WHAT[fault.kind]}); nothing was stored. Retry later.`,
    { storage: WHERE[fault.check], reason: fault.kind },
    { headers: { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) }, cause: error },
  );
}

/** Statements whose success shows the database stores again. */
const WRITE_STATEMENT = /^\s*(insert|update|delete|commit)\b/i;

export function createStorageHealth() {
  const faults = new Map<StorageCheck, StorageFaultKind>();
  /** A write failed: remembers the fault when it is a storage fault. */
  function failed(error: unknown): void {
    const fault = storageFaultOf(error);
    if (fault !== undefined) faults.set(fault.check, fault.kind);
  }
  return {
    /** Kysely's query log: every statement the gateway runs, with its outcome. */
    observeQuery(event: LogEvent): void {
      if (event.level === 'error') failed(event.error);
      else if (faults.has('database_writes') && WRITE_STATEMENT.test(event.query.sql)) {
        faults.delete('database_writes');
      }
    },
    failed,
    /** A write to `check`'s store succeeded: its fault is over. */
    succeeded(check: StorageCheck): void {
      faults.delete(check);
    },
    state(check: StorageCheck): 'ok' | StorageFaultKind {
      return faults.get(check) ?? 'ok';
    },
  };
}

export type StorageHealth = ReturnType<typeof createStorageHealth>;
