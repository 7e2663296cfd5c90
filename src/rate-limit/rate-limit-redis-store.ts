import type { Redis } from 'ioredis';
import type { RateLimitStore } from './rate-limit-store.js';
import { assertRateLimitPolicy, type RateLimitDecision } from './rate-limit-window.js';

/**
 * The sliding-window counter of rate-limit-window.ts, step for step, run atomically inside Redis so
 * that every instance sharing the Redis sees one count per key. It reads the Redis server clock, so
 * instances with skewed clocks still agree on the windows. Lua numbers are doubles, as in JavaScript,
 * and every value stays far below 2^53, so both implementations decide identically.
 *
 * KEYS[1]: the key's hash {start, current, previous}. ARGV: limit, window (ms).
 * Returns {allowed (1|0), remaining, resetAtMs, retryAfterMs, server time ms}.
 */
const SLIDING_WINDOW_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local stored = redis.call('HMGET', KEYS[1], 'start', 'current', 'previous')
local start = tonumber(stored[1])
local current = tonumber(stored[2]) or 0
local previous = tonumber(stored[3]) or 0
local aligned = now - (now % window)
local changed = false
if start == nil or aligned >= start + 2 * window then
  start, current, previous, changed = aligned, 0, 0, true
elseif aligned > start then
  start, current, previous, changed = aligned, 0, current, true
end

local elapsed = now - start
if elapsed < 0 then elapsed = 0 end
local capacity = limit * window
local weighted = previous * (window - elapsed)
local allowed = weighted + (current + 1) * window <= capacity
if allowed then
  current = current + 1
  changed = true
end

local remaining = math.floor((capacity - weighted) / window) - current
if remaining < 0 then remaining = 0 end
local nextAllowed = now
if remaining == 0 then
  if current + 1 <= limit then
    nextAllowed = start + window - math.floor((limit - current - 1) * window / previous)
  else
    nextAllowed = start + 2 * window - math.floor((limit - 1) * window / current)
  end
end
local resetAt = nextAllowed
if remaining > 0 then resetAt = start + window end
local retryAfter = 0
if not allowed then retryAfter = nextAllowed - now end

-- A rejection writes only when the window moved; the counts it stores are unchanged.
if changed then
  redis.call('HSET', KEYS[1], 'start', start, 'current', current, 'previous', previous)
  redis.call('PEXPIRE', KEYS[1], math.max(1, start + 2 * window - now))
end
return {allowed and 1 or 0, remaining, resetAt, retryAfter, now}
`;

type RedisWithRateLimit = Redis & {
  rateLimitSlidingWindow(key: string, limit: number, windowMs: number): Promise<number[]>;
};

export interface RedisRateLimitStore extends RateLimitStore {
  /** The same check, also returning the Redis server time it was decided at. */
  consumeWithServerTime(
    key: string,
    limit: number,
    windowMs: number,
  ): Promise<{ decision: RateLimitDecision; serverTimeMs: number }>;
}

export interface RedisRateLimitStoreOptions {
  /** A command connection owned by the caller (fail-fast: see infra/redis.ts); not closed by the store. */
  redis: Redis;
  /** Deployment-wide key prefix; counters live under `${prefix}rl:${key}`. */
  prefix: string;
}

export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RedisRateLimitStore {
  // ioredis sends EVALSHA and falls back to EVAL when the server answers NOSCRIPT (e.g. after a restart).
  options.redis.defineCommand('rateLimitSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_LUA });
  const redis = options.redis as RedisWithRateLimit;
  const keyPrefix = `${options.prefix}rl:`;

  async function consumeWithServerTime(key: string, limit: number, windowMs: number) {
    assertRateLimitPolicy(limit, windowMs);
    const reply = await redis.rateLimitSlidingWindow(`${keyPrefix}${key}`, limit, windowMs);
    const [allowed, remaining, resetAtMs, retryAfterMs, serverTimeMs] = reply.map(Number);
    const decision: RateLimitDecision = {
      allowed: allowed === 1,
      limit,
      windowMs,
      remaining: remaining!,
      resetAtMs: resetAtMs!,
      retryAfterMs: retryAfterMs!,
    };
    return { decision, serverTimeMs: serverTimeMs! };
  }

  return {
    consumeWithServerTime,
    async consume(key, limit, windowMs) {
      return (await consumeWithServerTime(key, limit, windowMs)).decision;
    },
    async close() {
      // the connection belongs to the caller
    },
  };
}
