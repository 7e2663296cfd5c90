import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * A small key → JSON value cache with per-entry TTL. The memory implementation is per process; the
 * Redis one is shared by every instance behind the same Redis.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryCache(options: { maxEntries?: number } = {}): Cache {
  const entries = new LRUCache<string, { value: unknown }>({
    max: options.maxEntries ?? 10_000,
    ttlAutopurge: false,
  });
  return {
    async get<T>(key: string) {
      return entries.get(key)?.value as T | undefined;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value }, { ttl: Math.max(1, ttlMs) });
    },
    async delete(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}

export function createRedisCache(redis: Redis, prefix: string): Cache {
  const fullKey = (key: string) => `${prefix}cache:${key}`;
  return {
    async get<T>(key: string) {
      const raw = await redis.get(fullKey(key));
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value, ttlMs) {
      await redis.set(fullKey(key), JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async delete(key) {
      await redis.del(fullKey(key));
    },
    async close() {
      // the connection is owned and closed by the app
    },
  };
}
