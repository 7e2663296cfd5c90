import type { Redis } from 'ioredis';
import type { CoreConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { type Cache, createMemoryCache, createRedisCache } from './cache.js';
import { changeLogTransport } from './change-log.js';
import { createEventBus, type EventBus, type EventTransport, redisEventTransport } from './event-bus.js';

/**
 * Cache and event bus, in memory for a single instance or in Redis when `REDIS_URL` is set so that
 * several instances share state and hear each other's invalidations. On PostgreSQL, which several
 * instances may share, events also go through the database's change log, so that they arrive while
 * Redis is down and without Redis at all. The Redis client is imported only when `REDIS_URL` is set.
 */
export interface SharedState {
  cache: Cache;
  bus: EventBus;
  /** The command connection, when Redis is configured (rate limiting uses it too). */
  redis: Redis | undefined;
  /** Prefix of every Redis key and channel. */
  prefix: string;
  pingRedis: (() => Promise<void>) | undefined;
  /** Waits (bounded) for Redis at startup; false when it is not reachable yet (the gateway starts anyway). */
  connect(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createSharedState(
  config: Pick<CoreConfig, 'redisUrl' | 'redisPrefix' | 'changeLogPollMs'>,
  onError: (error: unknown, context: string) => void,
  database?: Database,
  /** The longest a caller of the command connection waits on its own (`RATE_LIMIT_REDIS_TIMEOUT_MS`). */
  commandTimeoutMs?: number,
): Promise<SharedState> {
  const transports: EventTransport[] =
    database?.dialect === 'postgres'
      ? [changeLogTransport(database, { pollMs: config.changeLogPollMs, onError })]
      : [];
  if (config.redisUrl === undefined) {
    const cache = createMemoryCache();
    const bus = createEventBus(transports, onError);
    return {
      cache,
      bus,
      redis: undefined,
      prefix: config.redisPrefix,
      pingRedis: undefined,
      connect: async () => true,
      async close() {
        await Promise.all([bus.close(), cache.close()]);
      },
    };
  }
  const { closeRedis, createRedisConnection, waitForRedis } = await import('./redis.js');
  const redis = createRedisConnection(config.redisUrl, 'lunarbit', {
    ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }),
  });
  const subscriber = createRedisConnection(config.redisUrl, 'lunarbit-events', { queueWhileOffline: true });
  // ioredis emits 'error' on every failed reconnect; the callers see failures through their commands.
  redis.on('error', (error) => onError(error, 'redis connection'));
  subscriber.on('error', (error) => onError(error, 'redis subscriber connection'));
  transports.push(redisEventTransport({ publisher: redis, subscriber, prefix: config.redisPrefix, onError }));
  const bus = createEventBus(transports, onError);
  return {
    cache: createRedisCache(redis, config.redisPrefix),
    bus,
    redis,
    prefix: config.redisPrefix,
    pingRedis: async () => {
      await redis.ping();
    },
    async connect() {
      try {
        await Promise.all([waitForRedis(redis), waitForRedis(subscriber)]);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await bus.close();
      await Promise.all([closeRedis(redis), closeRedis(subscriber)]);
    },
  };
}
