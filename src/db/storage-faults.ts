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

/** SQLSTATE class 08 (connection exception) and the server ending or refusing sessions (57P01-57P03). */
const LOST_CONNECTION_SQLSTATE = /^(08|57P0[123])/;
/** What node-postgres throws for a query on a connection that ended (no SQLSTATE: the socket is gone). */
const LOST_CONNECTION_MESSAGE = /^(Connection terminated|Client has encountered a connection error)/;
/** Socket errors of the database's own connections (a reset mid-query), recorded where they happen. */
const connectionErrors = new WeakSet<Error>();

/**
 * Records `error` as the failure of a database connection: the pool's clients report their socket
 * errors here before the queries that were running on them fail with the same error.
 */
export function recordDatabaseConnectionError(error: Error): void {
  connectionErrors.add(error);
}

/**
 * Whether `error` (or one of its causes) means the connection to the database was lost or refused:
 * a session the server ended, a socket of the pool that closed or was reset. Nothing was committed
 * by the failed statement; the pool opens a new connection for the next one, so the request can be
 * repeated. Socket error codes alone (ECONNRESET…) are not taken: a client's aborted upload has them
 * too; only those the pool's connections recorded are.
 */
export function isLostDatabaseConnection(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (connectionErrors.has(current)) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && LOST_CONNECTION_SQLSTATE.test(code)) return true;
    if (LOST_CONNECTION_MESSAGE.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
