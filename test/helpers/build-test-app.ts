import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { LogEvent } from 'kysely';
import { type AppOverrides, buildApp } from '../../src/app.js';
import type { Config } from '../../src/app-config.js';
import { dropPgSchema } from '../../src/db/database.js';
import { checkEveryAnswer } from './openapi-conformance.js';
import { type Backend, retryOnDroppedSchema, TEST_DATABASE_URL, TEST_REDIS_URL } from './services.js';
import { testConfig } from './test-config.js';

export interface TestAppOptions {
  backend?: Backend;
  /** Share state through the test Redis (under a prefix of this test's own). */
  redis?: boolean;
  config?: Partial<Config>;
  overrides?: Omit<AppOverrides, 'logStream' | 'database'>;
  /** Reuse another test app's database/Redis namespace (for multi-instance tests). */
  shareWith?: TestApp;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Every log line the app wrote so far, parsed. */
  logLines: () => Record<string, unknown>[];
  /** Raw log text, for "never contains" assertions. */
  rawLogs: () => string;
  /** Queries run so far, for "touches no database" assertions. */
  queries: LogEvent[];
  namespace: { dataDir: string; pgSchema?: string; redisPrefix?: string };
}

export function logCapture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const parsed = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, raw: () => chunks.join(''), parsed };
}

/**
 * A fully built gateway on a fresh, migrated database of its own (a temp SQLite file or a fresh
 * PostgreSQL schema), closed and dropped when the test ends.
 */
export async function buildTestApp(
  t: Pick<TestContext, 'after'>,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const backend = options.backend ?? 'sqlite';
  const id = randomBytes(6).toString('hex');
  const namespace = options.shareWith?.namespace ?? {
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-test-')),
    ...(backend === 'postgres' ? { pgSchema: `t_${id}` } : {}),
    ...(options.redis ? { redisPrefix: `test:${id}:` } : {}),
  };
  const database: Config['database'] =
    backend === 'postgres'
      ? { kind: 'postgres', url: TEST_DATABASE_URL, poolSize: 3 }
      : { kind: 'sqlite', file: path.join(namespace.dataDir, 'lunarbit.db') };
  const config = testConfig({
    dataDir: namespace.dataDir,
    database,
    ...(namespace.redisPrefix ? { redisUrl: TEST_REDIS_URL, redisPrefix: namespace.redisPrefix } : {}),
    ...options.config,
  });
  const logs = logCapture();
  const queries: LogEvent[] = [];
  const owner = options.shareWith === undefined;
  let app: FastifyInstance | undefined;
  // Registered before building, so that a failed build still drops what it created.
  t.after(async () => {
    await app?.close();
    if (!owner) return;
    fs.rmSync(namespace.dataDir, { recursive: true, force: true });
    if (namespace.pgSchema) await dropPgSchema(TEST_DATABASE_URL, namespace.pgSchema);
    if (namespace.redisPrefix) await deleteRedisPrefix(namespace.redisPrefix);
  });
  const build = () =>
    buildApp(config, {
      ...options.overrides,
      logStream: logs.stream,
      database: {
        ...(namespace.pgSchema ? { pgSchema: namespace.pgSchema } : {}),
        onQuery: (event) => queries.push(event),
      },
    });
  app = namespace.pgSchema ? await retryOnDroppedSchema(build) : await build();
  // The document is the contract: every answer, injected or over a socket, must be one it states.
  const answers = checkEveryAnswer(app);
  // Reported by a hook added last, so that a failure does not skip any other test's cleanup.
  t.after(() => {
    const problems = answers.problems();
    if (problems.length > 0) t.after(() => assertNoProblems(problems));
  });
  return { app, config, logLines: logs.parsed, rawLogs: logs.raw, queries, namespace };
}

function assertNoProblems(problems: string[]): void {
  if (problems.length > 0) {
    throw new Error(`Answers not documented in the OpenAPI document:\n${problems.join('\n')}`);
  }
}

async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
