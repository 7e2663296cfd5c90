import ajvFormats from 'ajv-formats';
import Fastify, { type FastifyInstance, LogController, type RouteOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { createDatabase, type Database, type DatabaseOptions } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { docsRoutes } from './docs/docs-routes.js';
import { healthRoutes } from './health/health-routes.js';
import { stripApiPrefix } from './http/api-prefix.js';
import { registerCors } from './http/cors.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerOpenApi } from './http/openapi.js';
import { requestIdOf } from './http/request-id.js';
import { registerRequestLogging } from './http/request-logging.js';
import {
  type InventoryEntry,
  inventoryEntries,
  PREFLIGHT_CONTRACT,
  routeContractProblem,
} from './http/route-contract.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { type Clock, systemClock } from './infra/clock.js';
import { loggerOptions } from './infra/logger.js';
import { createSharedState, type SharedState } from './infra/shared-state.js';
import { createThrottledErrorLog } from './infra/throttled-log.js';

export interface AppOverrides {
  clock?: Clock;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  database?: DatabaseOptions;
  /** Extra routes registered with the gateway's plugins in place (embedding, tests). They must declare their contract too. */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
}

/** What the composition root built, for shutdown and for tests that need to reach inside. */
export interface Gateway {
  config: Config;
  clock: Clock;
  database: Database;
  shared: SharedState;
  routes: InventoryEntry[];
  isShuttingDown(): boolean;
  beginShutdown(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: Gateway;
  }
}

function createFastify(config: Config, overrides: AppOverrides): FastifyInstance {
  const logger = loggerOptions(config);
  return Fastify({
    logger: overrides.logStream ? { ...logger, transport: undefined, stream: overrides.logStream } : logger,
    // One line per request comes from our own onResponse hook (request-logging.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    rewriteUrl: (request) => stripApiPrefix(request.url ?? '/'),
    // Fastify accepts a hop count at runtime though its types omit it.
    trustProxy: config.trustProxy as boolean | string[],
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    ajv: {
      // Unknown fields are rejected rather than silently dropped, and every failing field is reported.
      customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true },
      plugins: [ajvFormats as never],
    },
  }) as unknown as FastifyInstance;
}

/** The composition root: builds every dependency once and registers every domain's routes. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const clock = overrides.clock ?? systemClock;
  const app = createFastify(config, overrides);
  const logFailure = createThrottledErrorLog(app.log, clock);

  const database = createDatabase(config, overrides.database);
  let shared: SharedState | undefined;
  try {
    await migrateToLatest(database);
    shared = createSharedState(config, logFailure);
    if (!(await shared.connect())) {
      app.log.warn('Redis is not reachable yet: running on per-instance state until it is');
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  let shuttingDown = false;
  const routes: InventoryEntry[] = [];
  const gateway: Gateway = {
    config,
    clock,
    database,
    shared,
    routes,
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
  app.decorate('gateway', gateway);

  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.method === 'OPTIONS' && route.url === '*' && route.config?.auth === undefined) {
      route.config = { ...route.config, ...PREFLIGHT_CONTRACT };
    }
    const problem = routeContractProblem(route);
    if (problem !== undefined) throw new Error(`Route declaration incomplete: ${problem}`);
    routes.push(...inventoryEntries(route));
  });
  app.addHook('onClose', async () => {
    await shared.close();
    await database.close();
  });

  try {
    await registerEverything(app, gateway, overrides);
  } catch (error) {
    await shared.close();
    await database.close();
    throw error;
  }
  await shared.bus.ready();
  return app;
}

async function registerEverything(
  app: FastifyInstance,
  gateway: Gateway,
  overrides: AppOverrides,
): Promise<void> {
  const { config, database, shared, clock } = gateway;
  registerSecurityHeaders(app);
  registerRequestLogging(app);
  registerErrorHandling(app, config);
  await registerCors(app, config.corsOrigins);
  await registerOpenApi(app);

  await app.register(healthRoutes, {
    pingDatabase: () => database.ping(),
    pingRedis: shared.pingRedis,
    now: () => clock.now(),
    isShuttingDown: gateway.isShuttingDown,
  });
  await app.register(docsRoutes);
  if (overrides.extraRoutes) await app.register(overrides.extraRoutes);

  await app.ready();
}
