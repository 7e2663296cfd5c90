/**
 * A full disk and a read-only database, produced for real: SQLite's `max_page_count` (the database
 * cannot grow: SQLITE_FULL, as on a full disk) and `query_only` (SQLITE_READONLY); on PostgreSQL a
 * role whose sessions are read-only (25006), and a trigger that raises disk_full (53100) the way
 * the server does when it cannot extend a file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { isLostDatabaseConnection } from '../../src/db/storage-faults.js';
import { createProject, versionAdminUrl } from '../catalog/catalog-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';
import { skipUnless, TEST_DATABASE_URL } from '../helpers/services.js';

const VERSIONS = versionAdminUrl('trackly', 'stable', '').replace(/\/$/, '');

/** A version whose release notes need new database pages. */
const createVersion = (app: FastifyInstance, version: string) =>
  app.inject({
    method: 'POST',
    url: VERSIONS,
    headers: adminAuth,
    payload: { version, release_notes: randomBytes(75_000).toString('hex') },
  });

async function health(app: FastifyInstance) {
  const response = await app.inject({ url: '/health' });
  assert.equal(response.statusCode, 200, 'reads keep working: the instance stays in its load balancer');
  return response.json() as { status: string; checks: Record<string, string> };
}

async function assertRefused(
  test: TestApp,
  response: Awaited<ReturnType<typeof createVersion>>,
  reason: string,
) {
  const error = assertErrorEnvelope(response, 503, 'STORAGE_UNAVAILABLE');
  assert.deepEqual(error.details, { storage: 'database', reason });
  assert.equal(response.headers['retry-after'], '30');
  const stored = await test.app.gateway.database.db.selectFrom('versions').select('version').execute();
  assert.deepEqual(stored, [], 'nothing stored');
  const logged = test
    .logLines()
    .find((line) => line.msg === 'request failed' && line.code === 'LC_ERR_STORAGE_UNAVAILABLE') as
    | { err: { message: string }; code: string }
    | undefined;
  assert.equal(logged?.code, 'LC_ERR_STORAGE_UNAVAILABLE');
  return logged?.err.message ?? '';
}

/**
 * Ended sessions still idle in the pool fail once each before it opens new ones: a 503
 * SERVICE_UNAVAILABLE with `Retry-After`, which a client repeats.
 */
async function pastDroppedConnections(request: () => ReturnType<typeof createVersion>) {
  for (let attempt = 0; ; attempt++) {
    const response = await request();
    const lost = response.statusCode === 503 && response.json().error.code === 'SERVICE_UNAVAILABLE';
    if (!lost || attempt === 3) return response;
    assert.equal(response.headers['retry-after'], '1');
  }
}

describe('storage faults: 503 STORAGE_UNAVAILABLE with Retry-After, /health degraded while they last', async () => {
  it('SQLite database full (SQLITE_FULL): the original error is logged, not "cannot rollback"', async (t) => {
    const test = await buildTestApp(t);
    const { app } = test;
    await createProject(app, { id: 'trackly', name: 'Trackly' });
    const db = app.gateway.database.db;
    const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0]?.page_count;
    await sql.raw(`pragma max_page_count = ${pages}`).execute(db);

    const message = await assertRefused(test, await createVersion(app, '1.0.0'), 'disk_full');
    assert.match(message, /database or disk is full/);
    assert.doesNotMatch(test.rawLogs(), /cannot rollback/);
    // One answer read once: two reads may fall on either side of a second (its timestamp).
    const degraded = await health(app);
    assert.equal(degraded.status, 'degraded');
    assert.deepEqual(degraded.checks, {
      database: 'ok',
      database_writes: 'disk_full',
      artifact_writes: 'ok',
    });

    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    assert.equal((await createVersion(app, '1.0.0')).statusCode, 201);
    const recovered = await health(app);
    assert.equal(recovered.status, 'healthy');
    assert.equal(recovered.checks.database_writes, 'ok');
  });

  it('the API document declares the 503 on every write operation', async (t) => {
    const { app } = await buildTestApp(t);
    const document = (await app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    let writes = 0;
    for (const [route, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
        writes += 1;
        assert.ok(operation.responses['503'], `${method.toUpperCase()} ${route} documents 503`);
      }
    }
    assert.ok(writes > 10);
  });

  it('SQLite read-only (SQLITE_READONLY)', async (t) => {
    const test = await buildTestApp(t);
    const { app } = test;
    await createProject(app, { id: 'trackly', name: 'Trackly' });
    await sql`pragma query_only = on`.execute(app.gateway.database.db);
    const message = await assertRefused(test, await createVersion(app, '1.0.0'), 'read_only');
    assert.match(message, /readonly/);
    assert.equal((await health(app)).checks.database_writes, 'read_only');
    await sql`pragma query_only = off`.execute(app.gateway.database.db);
    assert.equal((await createVersion(app, '1.0.0')).statusCode, 201);
    assert.equal((await health(app)).status, 'healthy');
  });

  describe('PostgreSQL', { skip: await skipUnless('postgres') }, () => {
    it('a session the server ended is a lost connection (503 SERVICE_UNAVAILABLE), not a bug', async (t) => {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      const victim = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await Promise.all([admin.connect(), victim.connect()]);
      victim.on('error', () => {});
      t.after(() => Promise.all([admin.end(), victim.end().catch(() => {})]));
      const pid = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      await admin.query('select pg_terminate_backend($1)', [pid]);
      const error = await victim.query('select 1').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof Error, 'the ended session fails');
      assert.equal(isLostDatabaseConnection(error), true, String(error));
      assert.equal(isLostDatabaseConnection(new Error('relation "x" does not exist')), false);
      const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      assert.equal(isLostDatabaseConnection(aborted), false, "a client's aborted upload is not the database");
    });

    it("a reset of the pool's own connection mid-query is a lost connection, not a bug", async (t) => {
      const target = new URL(TEST_DATABASE_URL);
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const server = net.connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, server]) {
          sockets.add(socket);
          socket.on('error', () => {});
        }
        client.pipe(server).pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxied = new URL(TEST_DATABASE_URL);
      proxied.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const database = await createDatabase({
        database: { kind: 'postgres', url: proxied.toString(), poolSize: 1 },
      });
      t.after(async () => {
        await database.close().catch(() => {});
        proxy.close();
      });
      await sql`select 1`.execute(database.db);
      const running = sql`select pg_sleep(10)`.execute(database.db).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      // Once the server runs the query, both sides of the connection are reset.
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      t.after(() => admin.end());
      const sleeping = `select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(10)'`;
      while ((await admin.query<{ n: number }>(sleeping)).rows[0]?.n !== 1);
      for (const socket of sockets) socket.resetAndDestroy();
      const error = await running;
      assert.ok(error instanceof Error);
      assert.equal((error as { code?: string }).code, 'ECONNRESET', String(error));
      assert.equal(isLostDatabaseConnection(error), true, "recorded by the pool as its connection's error");
    });

    it('read-only sessions (25006)', async (t) => {
      const role = `ro_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      t.after(async () => {
        await admin.query(`drop owned by ${role} cascade`).catch(() => {});
        await admin.query(`drop role if exists ${role}`);
        await admin.end();
      });
      await admin.query(`create role ${role} login`);
      await admin.query(
        `grant create on database ${new URL(TEST_DATABASE_URL).pathname.slice(1)} to ${role}`,
      );
      const url = new URL(TEST_DATABASE_URL);
      url.username = role;
      const test = await buildTestApp(t, {
        backend: 'postgres',
        config: { database: { kind: 'postgres', url: url.toString(), poolSize: 2 } },
      });
      const { app } = test;
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      /** New sessions of the role get the setting; its open ones are ended so that the pool opens new ones. */
      const setReadOnly = async (on: boolean) => {
        await admin.query(
          `alter role ${role} ${on ? 'set default_transaction_read_only = on' : 'reset default_transaction_read_only'}`,
        );
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [
          role,
        ]);
      };
      await setReadOnly(true);
      const refused = await pastDroppedConnections(() => createVersion(app, '1.0.0'));
      const message = await assertRefused(test, refused, 'read_only');
      assert.match(message, /read-only transaction/);
      assert.equal((await health(app)).checks.database_writes, 'read_only');
      await setReadOnly(false);
      const accepted = await pastDroppedConnections(() => createVersion(app, '1.0.0'));
      assert.equal(accepted.statusCode, 201, accepted.body);
      assert.equal((await health(app)).status, 'healthy');
    });

    it('disk full (53100)', async (t) => {
      const test = await buildTestApp(t, { backend: 'postgres' });
      const { app, namespace } = test;
      await createProject(app, { id: 'trackly', name: 'Trackly' });
      const schema = namespace.pgSchema as string;
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      t.after(() => admin.end());
      await admin.query(`create function "${schema}".disk_full() returns trigger language plpgsql as $$
        begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`);
      await admin.query(
        `create trigger disk_full before insert on "${schema}".versions execute function "${schema}".disk_full()`,
      );
      const message = await assertRefused(test, await createVersion(app, '1.0.0'), 'disk_full');
      assert.match(message, /No space left on device/);
      assert.equal((await health(app)).checks.database_writes, 'disk_full');
      await admin.query(`drop trigger disk_full on "${schema}".versions`);
      assert.equal((await createVersion(app, '1.0.0')).statusCode, 201);
      assert.equal((await health(app)).status, 'healthy');
    });
  });
});
