/**
 * Which database errors mean "the database cannot store anything right now" rather than a bug or
 * bad input: a full disk, a read-only database, an I/O error. Such a write is refused with 503 and
 * `Retry-After` (the operator frees space or remounts; the request can be repeated as it was).
 */

export type DatabaseFaultKind = 'disk_full' | 'read_only' | 'io_error';

/** SQLite result codes (better-sqlite3 puts the extended one in `code`) and PostgreSQL SQLSTATEs. */
function kindOfCode(code: string): DatabaseFaultKind | undefined {
  if (code === 'SQLITE_FULL' || code === '53100') return 'disk_full';
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === '25006')
    return 'read_only';
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_') || code === '58030') return 'io_error';
  return undefined;
}

/** The storage fault behind `error` (or one of its causes) raised by the database, if any. */
export function databaseFaultOf(error: unknown): DatabaseFaultKind | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    const kind = typeof code === 'string' ? kindOfCode(code) : undefined;
    if (kind !== undefined) return kind;
    current = current.cause;
  }
  return undefined;
}
