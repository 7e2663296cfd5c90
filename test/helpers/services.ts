/**
 * Which real backing services the HTTP suites can run against. SQLite always; PostgreSQL and Redis
 * when reachable. An unreachable service is reported loudly and its suites are skipped, unless
 * REQUIRE_SERVICES=1 (CI), where it is a failure.
 */
import net from 'node:net';

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
