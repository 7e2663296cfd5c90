import ajvFormats from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RouteOptions,
} from 'fastify';
import type { DestinationStream } from 'pino';
import { type AiGateway, createAiGateway } from './ai/ai-gateway.js';
import { aiRoutes } from './ai/ai-routes.js';
import { openAICompatRoutes } from './ai/openai-compat-routes.js';
import type { Config } from './app-config.js';
import { type Artifacts, createArtifacts } from './artifacts/artifacts.js';
import { artifactsRoutes } from './artifacts/artifacts-routes.js';
import { createArtifactStore } from './artifacts/artifacts-store.js';
import { type AuditLog, createAuditLog } from './audit/audit-log.js';
import { auditRoutes } from './audit/audit-routes.js';
import { type Catalog, createCatalog } from './catalog/catalog.js';
import { catalogAdminRoutes } from './catalog/catalog-admin-routes.js';
import { catalogDownloadRoutes } from './catalog/catalog-download-routes.js';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { sessionTokenOf } from './console/console-cookie.js';
import { consoleRoutes } from './console/console-routes.js';
import { type ConsoleSessions, createConsoleSessions } from './console/console-sessions.js';
import { createDatabase, type Database, type DatabaseOptions } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { docsRoutes } from './docs/docs-routes.js';
import { createGithub, type Github } from './github/github.js';
import { githubSyncRoutes } from './github/github-sync-routes.js';
import { githubWebhookRoutes } from './github/github-webhook-routes.js';
import { healthRoutes } from './health/health-routes.js';
import { watchAbandonedRequests } from './http/abandoned-requests.js';
import { type Admit, createAdmission } from './http/admission.js';
import { stripApiPrefix } from './http/api-prefix.js';
import { registerBodyDeadline } from './http/body-deadline.js';
import { clientIpResolver } from './http/client-ip.js';
import { registerCors } from './http/cors.js';
import { createDrain, type Drain, registerDrain, withDrainAnswer } from './http/drain.js';
import { frameworkErrorHandler, registerErrorHandling } from './http/error-handler.js';
import { createFastLane, type FastLane, fastLaneServerFactory } from './http/fast-lane.js';
import { createGuessingLockout, type GuessingLockout } from './http/guessing-lockout.js';
import { withInputContract } from './http/input-rules.js';
import { createLazySerializers, type LazySerializers } from './http/lazy-serializers.js';
import {
  type DocsBaseOf,
  docsBaseResolver,
  type LinkBaseOf,
  linkBaseResolver,
  registerLinkBase,
} from './http/link-base.js';
import { registerOpenApi } from './http/openapi.js';
import { ROUTER_MAX_PARAM_LENGTH, registerPathParamLimit } from './http/path-params.js';
import { registerBodyParsing } from './http/request-bodies.js';
import { registerRequestGuard } from './http/request-guard.js';
import { requestIdOf } from './http/request-id.js';
import { requestLoggerFactory } from './http/request-logger.js';
import {
  createOutcomeRecorder,
  type RecordOutcome,
  registerOutcomeRecording,
} from './http/request-outcome.js';
import { requestValidatorFactory } from './http/request-validation.js';
import {
  type InventoryEntry,
  inventoryEntries,
  PREFLIGHT_CONTRACT,
  routeContractProblem,
} from './http/route-contract.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { type Clock, systemClock } from './infra/clock.js';
import { createAccessLineWriter, createLogger, logDestination } from './infra/logger.js';
import { ensurePrivateDirectory } from './infra/private-files.js';
import { createSharedState, type SharedState } from './infra/shared-state.js';
import { createStorageHealth, type StorageHealth } from './infra/storage-health.js';
import { createThrottledErrorLog } from './infra/throttled-log.js';
import { createKeyUsageTracker, type KeyUsageTracker } from './keys/key-usage.js';
import { createKeyUsageSeries, type KeyUsageSeries } from './keys/key-usage-series.js';
import { createKeyVerifier, type KeyVerifier } from './keys/key-verifier.js';
import { createKeysRepo } from './keys/keys-repo.js';
import { keysRoutes, keyUsageRoutes } from './keys/keys-routes.js';
import { createKeysService, type KeysService } from './keys/keys-service.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { createMemoryRateLimitStore } from './rate-limit/rate-limit-memory-store.js';
import { createRedisRateLimitStore } from './rate-limit/rate-limit-redis-store.js';
import { createResilientRateLimitStore } from './rate-limit/rate-limit-resilient-store.js';
import type { RateLimitStore } from './rate-limit/rate-limit-store.js';
import { updateCheckFastRoute } from './updates/update-fast-route.js';
import { updatesPlugin } from './updates/updates.js';
import { createUpdatesService, type UpdatesService } from './updates/updates-service.js';

export interface AppOverrides {
  clock?: Clock;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  database?: DatabaseOptions;
  /** Extra routes registered with the gateway's plugins in place (embedding, tests). They must declare their contract too. */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
  /** Answer warm update checks before Fastify (`http/fast-lane.ts`); default true. */
  fastLane?: boolean;
}

/** What the composition root built, for shutdown and for tests that need to reach inside. */
export interface Gateway {
  config: Config;
  clock: Clock;
  database: Database;
  shared: SharedState;
  audit: AuditLog;
  verifier: KeyVerifier;
  usage: KeyUsageTracker;
  /** Usage over time from the stored hourly buckets (`GET /admin/usage`). */
  usageSeries: KeyUsageSeries;
  keys: KeysService;
  /** Console sign-in sessions (cookies). */
  consoleSessions: ConsoleSessions;
  catalog: Catalog;
  /** Update checks and feeds over the catalog's read model. */
  updates: UpdatesService;
  /** Uploaded builds, signed downloads and build verification. */
  artifacts: Artifacts;
  /** GitHub Releases sync: service, schedule, webhook runs, private-asset downloads. */
  github: Github;
  /** AI model router (`ai.router`), the service its routes call, and the changelog analyser. */
  ai: AiGateway;
  rateLimits: RateLimitStore;
  /** Client IPs refused before any key check while their unauthenticated budget is spent. */
  lockout: GuessingLockout;
  /** Authentication and rate limits of every request, whichever path serves it (http/admission.ts). */
  admit: Admit;
  /** The access-log line, metrics and key usage of every answered request (http/request-outcome.ts). */
  recordOutcome: RecordOutcome;
  metrics: Metrics;
  /** Disk-full, read-only and I/O faults of the database and file storage, for `/health`. */
  storageHealth: StorageHealth;
  routes: InventoryEntry[];
  /** Response serializers, compiled on each route's first answer. */
  serializers: LazySerializers;
  /** The graceful drain of a shutdown (`main.ts` runs it before closing the app). */
  drain: Drain;
  isShuttingDown(): boolean;
  beginShutdown(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

function createFastify(
  config: Config,
  log: FastifyBaseLogger,
  lane: FastLane | undefined,
  serializers: LazySerializers,
  docsBaseOf: DocsBaseOf,
): FastifyInstance {
  return Fastify({
    loggerInstance: log,
    // One line per request comes from our own onResponse hook (request-outcome.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: requestLoggerFactory,
    genReqId: requestIdOf,
    serverFactory: fastLaneServerFactory(lane),
    rewriteUrl: (request) => stripApiPrefix(request.url ?? '/'),
    // Fastify accepts a hop count at runtime though its types omit it.
    trustProxy: config.trustProxy as boolean | string[],
    bodyLimit: config.bodyLimitBytes,
    // The drain (http/drain.ts) answers on open connections while it lasts; what is still open when
    // the app closes after it is closed.
    return503OnClosing: false,
    forceCloseConnections: true,
    // Parameters are limited to MAX_PATH_PARAM_LENGTH by a hook (http/path-params.ts), after rate limits.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: ROUTER_MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler(docsBaseOf),
    schemaController: {
      compilersFactory: { buildSerializer: serializers.factory, buildValidator: requestValidatorFactory() },
    },
    ajv: {
      // Unknown fields are rejected rather than silently dropped, and every failing field is reported.
      // Only text parts (query, params, headers) are coerced to their types: http/request-validation.ts.
      customOptions: { removeAdditional: false, allErrors: true, useDefaults: true },
      plugins: [ajvFormats as never],
    },
  }) as unknown as FastifyInstance;
}

/** Counters in Redis when configured (shared by every instance, local fallback), else in memory. */
function createRateLimitStore(
  shared: SharedState,
  clock: Clock,
  timeoutMs: number,
  onFailure: (error: unknown, context: string) => void,
): RateLimitStore {
  const localStore = createMemoryRateLimitStore({ clock });
  if (shared.redis === undefined) return localStore;
  return createResilientRateLimitStore({
    redisStore: createRedisRateLimitStore({ redis: shared.redis, prefix: shared.prefix }),
    localStore,
    clock,
    timeoutMs,
    onFailure,
  });
}

/** The composition root: builds every dependency once and registers every domain's routes. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const clock = overrides.clock ?? systemClock;
  const logStream = overrides.logStream ?? logDestination(config);
  const log = createLogger(config, logStream);
  const writeAccessLine = createAccessLineWriter(log, logStream);
  const logFailure = createThrottledErrorLog(log, clock);
  const metrics = createMetrics();

  // Before anything writes there: the database, secrets and uploads live under it.
  ensurePrivateDirectory(config.dataDir);
  const storageHealth = createStorageHealth();
  const database = await createDatabase(config, {
    ...overrides.database,
    onQuery: (event) => {
      storageHealth.observeQuery(event);
      overrides.database?.onQuery?.(event);
    },
  });
  let shared: SharedState | undefined;
  try {
    await migrateToLatest(database);
    shared = await createSharedState(config, logFailure, database, config.rateLimits.redisTimeoutMs);
    if (!(await shared.connect())) {
      log.warn('Redis is not reachable yet: running on per-instance state until it is');
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const audit = createAuditLog({ db: database.db, clock });
  const keyCacheHits = metrics.cacheLookups.labels({ cache: 'api-keys', result: 'hit' });
  const keyCacheMisses = metrics.cacheLookups.labels({ cache: 'api-keys', result: 'miss' });
  const keysRepo = createKeysRepo(database.db);
  if (config.apiKeyAdmin === undefined) throw new Error('buildApp needs config.apiKeyAdmin');
  const verifier = createKeyVerifier({
    repo: keysRepo,
    bus: shared.bus,
    clock,
    config: { adminKey: config.apiKeyAdmin, ...config.keys },
    onCacheLookup: (hit) => (hit ? keyCacheHits : keyCacheMisses).inc(),
  });
  const usage = createKeyUsageTracker({
    repo: keysRepo,
    clock,
    flushIntervalMs: config.keys.usageFlushIntervalMs,
    onError: logFailure,
  });
  const keys = createKeysService({
    repo: keysRepo,
    verifier,
    usage,
    audit,
    clock,
    config: { defaultRateLimit: config.rateLimits.key.max },
  });
  const usageSeries = createKeyUsageSeries({ repo: keysRepo, usage, clock });
  const consoleSessions = createConsoleSessions({
    db: database.db,
    verifier,
    bus: shared.bus,
    clock,
    cacheTtlMs: config.keys.cacheTtlMs,
  });
  const artifactStore = await createArtifactStore({
    db: database.db,
    config,
    storageHealth,
    onError: logFailure,
  });
  const catalog = createCatalog({
    db: database.db,
    bus: shared.bus,
    clock,
    audit,
    cacheTtlMs: config.cacheTtlMs,
    flushIntervalMs: config.keys.usageFlushIntervalMs,
    onError: logFailure,
    uploads: artifactStore.uploads,
    releaseFiles: artifactStore.releaseFiles,
    onBuildAdded: (key) => artifacts.verifier.buildAdded(key),
  });
  const artifacts = createArtifacts({
    db: database.db,
    store: artifactStore,
    catalog,
    clock,
    config,
    onError: logFailure,
  });

  const github = createGithub({
    db: database.db,
    config: config.github,
    readModel: catalog.readModel,
    audit,
    clock,
    metrics,
    onError: logFailure,
  });

  const rateLimits = createRateLimitStore(shared, clock, config.rateLimits.redisTimeoutMs, logFailure);
  const lockout = createGuessingLockout(clock);
  const admit = createAdmission({
    store: rateLimits,
    limits: config.rateLimits,
    lockout,
    onRejected: (policy) => metrics.rateLimitRejections.inc({ policy }),
  });
  const ai = createAiGateway({ config: config.ai, usage, clock, metrics });
  const updates = createUpdatesService({
    readModel: catalog.readModel,
    launcherProjectId: config.launcherProjectId,
    tokens: artifacts.downloadTokens,
  });

  const linkBaseOf = linkBaseResolver(config);
  const docsBaseOf = docsBaseResolver(linkBaseOf);
  const drain = createDrain();
  const recordOutcome = createOutcomeRecorder({ metrics, usage, writeAccessLine });
  // Warm update checks are answered before the router, through the same admission and outcome.
  const fastLane =
    overrides.fastLane === false
      ? undefined
      : createFastLane({
          verifier,
          admit,
          recordOutcome,
          clock,
          metrics,
          linkBaseOf,
          log,
          clientIp: clientIpResolver(config.trustProxy),
          isShuttingDown: () => drain.draining,
          routes: [updateCheckFastRoute(updates, linkBaseOf)],
        });
  const serializers = createLazySerializers();
  const app = createFastify(config, log, fastLane, serializers, docsBaseOf);
  const routes: InventoryEntry[] = [];
  const gateway: Gateway = {
    config,
    clock,
    database,
    shared,
    audit,
    verifier,
    usage,
    usageSeries,
    keys,
    consoleSessions,
    catalog,
    updates,
    artifacts,
    github,
    ai,
    rateLimits,
    lockout,
    admit,
    recordOutcome,
    metrics,
    storageHealth,
    routes,
    serializers,
    drain,
    isShuttingDown: () => drain.draining,
    beginShutdown: () => drain.begin(),
  };
  app.decorate('gateway', gateway);

  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.method === 'OPTIONS' && route.url === '*' && route.config?.auth === undefined) {
      route.config = { ...route.config, ...PREFLIGHT_CONTRACT };
    }
    route.schema = withDrainAnswer(
      withInputContract(route.schema, route.method, route.url),
      route.config?.rateGroup,
    );
    const problem = routeContractProblem(route);
    if (problem !== undefined) throw new Error(`Route declaration incomplete: ${problem}`);
    routes.push(...inventoryEntries(route));
  });
  app.addHook('onClose', async () => {
    // Counters first, while the database is still open: nothing counted is lost on shutdown.
    // AI streams still running were answered by now; closing stops health checks and upstream pools.
    await ai.close();
    // Syncs write to the database: the schedule stops and running syncs finish before it closes.
    await github
      .stop()
      .catch((error: unknown) => app.log.error({ err: error }, 'stopping GitHub sync failed'));
    await artifacts
      .stop()
      .catch((error: unknown) => app.log.error({ err: error }, 'stopping build verification failed'));
    await usage.stop().catch((error: unknown) => app.log.error({ err: error }, 'final usage flush failed'));
    await catalog.downloads
      .stop()
      .catch((error: unknown) => app.log.error({ err: error }, 'final download count flush failed'));
    await rateLimits.close();
    await shared.close();
    await database.close();
  });

  try {
    await registerEverything(app, gateway, overrides, linkBaseOf, docsBaseOf);
  } catch (error) {
    await ai.close();
    await shared.close();
    await database.close();
    throw error;
  }
  await shared.bus.ready();
  usage.start();
  catalog.downloads.start();
  let leftovers: number;
  try {
    leftovers = await artifacts.start();
  } catch (error) {
    await app.close();
    throw error;
  }
  if (leftovers > 0) app.log.warn({ removed: leftovers }, 'removed staged uploads that a crash left behind');
  github.start();
  ai.start();
  return app;
}

async function registerEverything(
  app: FastifyInstance,
  gateway: Gateway,
  overrides: AppOverrides,
  linkBaseOf: LinkBaseOf,
  docsBaseOf: DocsBaseOf,
): Promise<void> {
  const { config, database, shared, clock } = gateway;
  registerSecurityHeaders(app);
  registerLinkBase(app, linkBaseOf, docsBaseOf);
  const onAbandoned = watchAbandonedRequests(app);
  registerOutcomeRecording(app, gateway.recordOutcome, onAbandoned);
  registerErrorHandling(app, docsBaseOf);
  registerDrain(app, gateway.drain);
  registerBodyParsing(app);
  registerBodyDeadline(app, { timeoutMs: config.bodyTimeoutMs });
  await registerCors(app, config.corsOrigins);
  registerRequestGuard(app, {
    admit: gateway.admit,
    verifier: gateway.verifier,
    clock,
    sessions: { tokenOf: sessionTokenOf, resolve: (token) => gateway.consoleSessions.resolve(token) },
  });
  registerPathParamLimit(app);
  await registerOpenApi(app);

  await app.register(healthRoutes, {
    pingDatabase: () => database.ping(),
    pingRedis: shared.pingRedis,
    pingArtifactStorage: gateway.artifacts.storage.ping,
    storageHealth: gateway.storageHealth,
    now: () => clock.now(),
    isShuttingDown: gateway.isShuttingDown,
  });
  await app.register(docsRoutes);
  await app.register(metricsRoutes, {
    metrics: gateway.metrics,
    metricsToken: config.metricsToken,
  });
  await app.register(keysRoutes, { keys: gateway.keys });
  await app.register(keyUsageRoutes, { series: gateway.usageSeries });
  await app.register(consoleRoutes, { sessions: gateway.consoleSessions });
  await app.register(catalogRoutes, { catalog: gateway.catalog });
  await app.register(catalogDownloadRoutes, {
    catalog: gateway.catalog,
    resolveDownload: (url: string) => gateway.github.resolveDownload(url),
    storedFileUrl: (projectId, build, base) => gateway.artifacts.files.urlFor(projectId, build, base),
    checkToken: async (token, projectId) => {
      const check = gateway.artifacts.downloadTokens.check(token, projectId);
      if (check.kind !== 'valid') return check;
      return { kind: 'valid', caller: await gateway.verifier.callerById(check.callerId) };
    },
  });
  await app.register(catalogAdminRoutes, { catalog: gateway.catalog });
  await app.register(artifactsRoutes, { artifacts: gateway.artifacts });
  await app.register(updatesPlugin, { updates: gateway.updates });
  await app.register(githubSyncRoutes, { github: gateway.github });
  await app.register(githubWebhookRoutes, { github: gateway.github });
  await app.register(auditRoutes, { audit: gateway.audit });
  await app.register(aiRoutes, {
    ai: gateway.ai.service,
    analyzer: gateway.ai.analyzer,
    config,
    shutdownDeadline: gateway.drain.deadline,
  });
  await app.register(openAICompatRoutes, {
    ai: gateway.ai.service,
    config,
    shutdownDeadline: gateway.drain.deadline,
    startedAt: Math.floor(gateway.clock.now() / 1000),
  });
  if (overrides.extraRoutes) await app.register(overrides.extraRoutes);

  await app.ready();
}
