import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Driver, Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { CoreConfig } from '../config.js';
import { ensurePrivateDirectory, ensurePrivateFile } from '../infra/private-files.js';
import type { DialectName } from './dialect.js';
import { recordDatabaseConnectionError } from './storage-faults.js';
import type { Tables } from './tables.js';

type PgModule = typeof import('pg')['default'];

export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: DialectName;
  /** PostgreSQL schema the gateway works in, when not the connection's default. */
  readonly pgSchema: string | undefined;
  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL schema to work in (tests give each file its own). Created if missing. */
  pgSchema?: string;
  /** Called for every query; tests use it to prove that hot paths touch no database. */
  onQuery?: (event: LogEvent) => void;
}

/** Counts and ids come back from PostgreSQL as strings for int8; every value we store fits in a double. */
function typesOf(pg: PgModule) {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 20) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format);
    },
  };
}

function openSqlite(file: string): BetterSqlite3.Database {
  if (file !== ':memory:') {
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
    ensurePrivateDirectory(path.dirname(file));
    ensurePrivateFile(file, [`${file}-wal`, `${file}-shm`]);
  }
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  return connection;
}

/**
 * SQLite ends a transaction by itself when a statement fails with SQLITE_FULL, SQLITE_IOERR and a few
 * others; Kysely's ROLLBACK then fails with "cannot rollback - no transaction is active", and that
 * error replaced the one that mattered ("database or disk is full"). Roll back only what is open.
 */
class SqliteDialectKeepingErrors extends SqliteDialect {
  readonly #connection: BetterSqlite3.Database;

  constructor(connection: BetterSqlite3.Database) {
    super({ database: connection });
    this.#connection = connection;
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.#connection.inTransaction) await rollback(connection);
    };
    return driver;
  }
}

/**
 * The database the configuration names. The PostgreSQL driver is imported only for a PostgreSQL
 * database: a gateway on SQLite never loads it (its code would stay resident for nothing).
 */
export async function createDatabase(
  config: Pick<CoreConfig, 'database'>,
  options: DatabaseOptions = {},
): Promise<Database> {
  const log = options.onQuery;
  if (config.database.kind === 'sqlite') {
    const connection = openSqlite(config.database.file);
    const db = new Kysely<Tables>({
      dialect: new SqliteDialectKeepingErrors(connection),
      ...(log ? { log } : {}),
    });
    return {
      db,
      dialect: 'sqlite',
      pgSchema: undefined,
      async ping() {
        connection.prepare('select 1').get();
      },
      close: () => db.destroy(),
    };
  }

  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid schema name ${schema}`);
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: config.database.url,
    max: config.database.poolSize,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    types: typesOf(pg),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout gets a fresh connection.
  pool.on('error', () => {});
  // A connection that drops while checked out (a restart, a terminated backend, a reset) fails its
  // query with the error the client reports here first: recorded, it answers 503 with Retry-After
  // (storage-faults.ts). Without a listener the event would end the whole process.
  pool.on('connect', (client) => client.on('error', recordDatabaseConnectionError));
  let schemaReady: Promise<void> | undefined;
  if (schema) {
    schemaReady = (async () => {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists "${schema}"`);
      } finally {
        client.release();
      }
    })();
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  return {
    db,
    dialect: 'postgres',
    pgSchema: schema,
    async ping(timeoutMs = 2_000) {
      await schemaReady;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(db), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => db.destroy(),
  };
}

/** Drops a schema made for tests (PostgreSQL only). */
export async function dropPgSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
