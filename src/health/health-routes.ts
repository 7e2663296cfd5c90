import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isoString } from '../infra/clock.js';
import type { StorageHealth } from '../infra/storage-health.js';
import { VERSION } from '../version.js';

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('error')]);
const WriteState = Type.Union(
  [
    Type.Literal('ok'),
    Type.Literal('disk_full'),
    Type.Literal('read_only'),
    Type.Literal('io_error'),
    Type.Literal('unreachable'),
    Type.Literal('access_denied'),
  ],
  {
    description:
      'The last write to this store failed with a full disk, a read-only store or an I/O error (or, for an S3 bucket, could not reach it or had its credentials refused); `ok` again once a write succeeds.',
  },
);

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded')]),
  timestamp: Type.String({ format: 'date-time' }),
  version: Type.String(),
  checks: Type.Object({
    database: CheckState,
    redis: Type.Optional(CheckState),
    artifact_storage: Type.Optional(
      Type.Union([Type.Literal('ok'), Type.Literal('error')], {
        description: 'With `ARTIFACT_STORAGE=s3`: whether the bucket answers now.',
      }),
    ),
    database_writes: WriteState,
    artifact_writes: WriteState,
  }),
});

export interface HealthDeps {
  pingDatabase(): Promise<void>;
  /** Undefined when Redis is not configured. */
  pingRedis: (() => Promise<void>) | undefined;
  /** Undefined for local artifact storage. */
  pingArtifactStorage: (() => Promise<void>) | undefined;
  storageHealth: Pick<StorageHealth, 'state'>;
  now(): number;
  isShuttingDown(): boolean;
}

async function check(probe: () => Promise<void>): Promise<'ok' | 'error'> {
  try {
    await probe();
    return 'ok';
  } catch {
    return 'error';
  }
}

const probeRoute = { auth: 'public', rateGroup: 'exempt' } as const;

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get(
    '/health',
    {
      config: probeRoute,
      schema: {
        tags: ['system'],
        summary: 'Liveness and dependency health',
        description:
          '`healthy` when every dependency answers. The database failing gives `degraded` with 503; Redis failing ' +
          'gives `degraded` with 200, because limits and caches fall back to per-instance state; so does an S3 bucket that does not ' +
          'answer (`artifact_storage`, with `ARTIFACT_STORAGE=s3`). Writes failing for ' +
          'a full disk, read-only storage or I/O errors (`database_writes`, `artifact_writes`) give `degraded` with ' +
          '200: reads, update checks and downloads keep working, and writes answer 503 `STORAGE_UNAVAILABLE`.',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const [database, redis, artifactStorage] = await Promise.all([
        check(deps.pingDatabase),
        deps.pingRedis ? check(deps.pingRedis) : Promise.resolve(undefined),
        deps.pingArtifactStorage ? check(deps.pingArtifactStorage) : Promise.resolve(undefined),
      ]);
      const writes = {
        database_writes: deps.storageHealth.state('database_writes'),
        artifact_writes: deps.storageHealth.state('artifact_writes'),
      };
      const healthy =
        database === 'ok' &&
        redis !== 'error' &&
        artifactStorage !== 'error' &&
        writes.database_writes === 'ok' &&
        writes.artifact_writes === 'ok';
      reply.code(database === 'ok' ? 200 : 503);
      return {
        status: healthy ? 'healthy' : 'degraded',
        timestamp: isoString(deps.now()),
        version: VERSION,
        checks: {
          database,
          ...(redis === undefined ? {} : { redis }),
          ...(artifactStorage === undefined ? {} : { artifact_storage: artifactStorage }),
          ...writes,
        },
      } as const;
    },
  );

  app.get(
    '/ready',
    {
      config: probeRoute,
      schema: {
        tags: ['system'],
        summary: 'Readiness for traffic',
        description:
          '200 once migrations have run and the database answers; 503 while shutting down or when it does not.',
        response: {
          200: Type.Object({ ready: Type.Boolean() }),
          503: Type.Object({ ready: Type.Boolean(), reason: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      if (deps.isShuttingDown()) return reply.code(503).send({ ready: false, reason: 'shutting down' });
      if ((await check(deps.pingDatabase)) === 'error') {
        return reply.code(503).send({ ready: false, reason: 'database unreachable' });
      }
      return { ready: true };
    },
  );
}
