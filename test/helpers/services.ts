/**
 * Which real backing services the HTTP suites can run against. SQLite always; PostgreSQL and Redis
 * when reachable. An unreachable service is reported loudly and its suites are skipped, unless
 * REQUIRE_SERVICES=1 (CI), where it is a failure.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export type Backend = 'sqlite' | 'postgres';

export interface ServiceAvailability {
  postgres: boolean;
  redis: boolean;
}

let availability: Promise<ServiceAvailability> | undefined;

export function serviceAvailability(): Promise<ServiceAvailability> {
  availability ??= (async () => {
    const [postgres, redis] = await Promise.all([
      reachable(TEST_DATABASE_URL, 5432),
      reachable(TEST_REDIS_URL, 6379),
    ]);
    for (const [name, ok, url] of [
      ['PostgreSQL', postgres, TEST_DATABASE_URL],
      ['Redis', redis, TEST_REDIS_URL],
    ] as const) {
      if (!ok) {
        const line = `${name} is not reachable at ${url}: its suites are ${REQUIRE_SERVICES ? 'FAILING (REQUIRE_SERVICES=1)' : 'SKIPPED'}`;
        process.stderr.write(`\n*** ${line} ***\n\n`);
      }
    }
    return { postgres, redis };
  })();
  return availability;
}

/**
 * The skip option for a suite that needs a service: `false` to run, a reason to skip. With
 * REQUIRE_SERVICES=1 it never skips, so the suite runs and fails on the missing service.
 */
export async function skipUnless(service: keyof ServiceAvailability): Promise<false | string> {
  const available = (await serviceAvailability())[service];
  if (available || REQUIRE_SERVICES) return false;
  return `${service} unreachable (set REQUIRE_SERVICES=1 to make this a failure)`;
}

/** The database backends every HTTP suite runs on, each with its skip option. */
export async function databaseBackends(): Promise<{ backend: Backend; skip: false | string }[]> {
  return [
    { backend: 'sqlite', skip: false },
    { backend: 'postgres', skip: await skipUnless('postgres') },
  ];
}

const DROPPED_SCHEMA_ATTEMPTS = 5;

/**
 * Kysely's migrator looks for its tables across every schema of the database, and PostgreSQL answers
 * "schema … does not exist" (3F000), or "relation … does not exist" for one of its tables, when
 * another test file drops its schema at that moment. Only tests share a database with schemas that
 * come and go (the suite's files, and other suites run on the same server), so the retry lives in
 * the test helpers; nothing has been migrated when it fails, and a real error stays after the last try.
 */
function isDroppedSchemaError(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause.message.includes('does not exist')) return true;
  }
  return false;
}

/**
 * Runs `attempt` again, a few times, while it fails because a parallel test dropped a schema: by
 * throwing, or by returning a result whose `errorOf` is such an error (Kysely's migrateTo).
 */
export async function retryOnDroppedSchema<T>(
  attempt: () => Promise<T>,
  errorOf: (result: T) => unknown = () => undefined,
): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    const last = tries === DROPPED_SCHEMA_ATTEMPTS;
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (!last && isDroppedSchemaError(error)) continue;
      throw error;
    }
    if (!last && isDroppedSchemaError(errorOf(result))) continue;
    return result;
  }
}

/**
 * A PostgreSQL database of the test's own on the test server, dropped after the test: for gateway
 * processes, which take their database from `DATABASE_URL` alone (no schema override). Its URL.
 */
export async function createPgDatabase(t: Pick<TestContext, 'after'>): Promise<string> {
  const name = `lunarbit_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  t.after(async () => {
    const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
