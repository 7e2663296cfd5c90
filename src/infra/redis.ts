import { Redis } from 'ioredis';

const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;

/**
 * A Redis connection that fails fast: commands error at once while disconnected (no offline queue),
 * so callers fall back to local state instead of hanging. ioredis reconnects in the background.
 */
export function createRedisConnection(
  url: string,
  name: string,
  options: { queueWhileOffline?: boolean; commandTimeoutMs?: number } = {},
): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    // A subscriber queues its SUBSCRIBE until connected; command connections fail fast instead.
    enableOfflineQueue: options.queueWhileOffline ?? false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Never shorter than what a caller waits for on its own (the rate-limit check's bound), so that a
    // stalled event loop does not fail a reply that arrived in time.
    commandTimeout: Math.max(DEFAULT_COMMAND_TIMEOUT_MS, options.commandTimeoutMs ?? 0),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs = 3_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Quits politely when connected; otherwise stops reconnecting at once. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect(false);
    return;
  }
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(reject, 1_000).unref())]);
  } catch {
    redis.disconnect(false);
  }
}
