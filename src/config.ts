/**
 * Environment → typed configuration. Read once at startup; every invalid variable is collected so
 * that the operator sees all problems in one message instead of fixing them one restart at a time.
 * No other module reads `process.env`.
 */
import path from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';
/** Fastify's `trustProxy`: false, true, a hop count, or a list of addresses/CIDRs. */
export type TrustProxy = boolean | number | string[];

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Absolute base URL the gateway is reached at; when unset it is derived from each request. */
  publicUrl: string | undefined;
  /** Undefined only in development before the bootstrap generates one (see admin-key-bootstrap). */
  apiKeyAdmin: string | undefined;
  github: { token: string | undefined; apiUrl: string };
  lmstudio: { enabled: boolean; baseUrl: string };
  openai: { enabled: boolean; apiKey: string | undefined; baseUrl: string };
  /** Milliseconds; read caches and `Cache-Control: max-age` derive from it. */
  cacheTtlMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several gateways (or test files) can share one Redis. */
  redisPrefix: string;
  trustProxy: TrustProxy;
  /** Exact origins or `*.example.com` wildcards; `*` allows any origin. */
  corsOrigins: string[];
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Bearer token accepted by `GET /metrics` besides the admin key. */
  metricsToken: string | undefined;
  keys: {
    /** How long a verified key stays cached in memory (revocations reach every instance sooner, by event). */
    cacheTtlMs: number;
    /** How long an unknown key hash is remembered as unknown. */
    negativeCacheTtlMs: number;
    /** How often usage counters are written to the database. */
    usageFlushIntervalMs: number;
  };
  rateLimits: RateLimitsConfig;
}

export interface RateLimitRule {
  max: number;
  windowMs: number;
}

export interface RateLimitsConfig {
  /** Per API key (a key's own `rateLimit` replaces `max`). */
  key: RateLimitRule;
  /** Per client IP. */
  ip: RateLimitRule;
  /** Per key on AI endpoints. */
  ai: RateLimitRule;
  /** Per client IP, for requests without valid credentials. */
  unauthenticated: RateLimitRule;
  /** Per caller, for key creation and rotation. */
  keyIssuance: RateLimitRule;
  /** Longest wait for a Redis check before deciding on this instance's own counters. */
  redisTimeoutMs: number;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_ADMIN_KEY_LENGTH = 32;

/** Reads variables and records every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}="${value}" is invalid: expected one of ${allowed.join(', ')}`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name}="${value}" is invalid: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name}="${value}" is invalid: expected true or false`);
    return fallback;
  }

  url(name: string, fallback: string | undefined, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (protocols.includes(parsed.protocol)) return value.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    this.problems.push(
      `${name} is invalid: expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
    return fallback;
  }

  /** Byte sizes: plain integers or with a kb/mb/gb suffix (powers of 1024). */
  bytes(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(value);
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match?.[2] ?? 'b').toLowerCase() as 'b'];
    const bytes = match ? Number(match[1]) * unit : Number.NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      this.problems.push(`${name}="${value}" is invalid: expected a size such as 1048576, 512kb or 10mb`);
      return fallback;
    }
    return bytes;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
}

function parseTrustProxy(reader: EnvReader): TrustProxy {
  const value = reader.raw('TRUST_PROXY');
  if (value === undefined || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = reader.list('TRUST_PROXY');
  const invalid = entries.filter(
    (entry) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/.test(entry),
  );
  if (invalid.length > 0) {
    reader.problems.push(
      `TRUST_PROXY="${value}" is invalid: expected true, false, a hop count, or a comma-separated list of IP addresses/CIDRs`,
    );
    return false;
  }
  return entries;
}

function parseCorsOrigins(reader: EnvReader, nodeEnv: NodeEnv): string[] {
  if (reader.raw('CORS_ORIGINS') === undefined) {
    // Production allows no cross-origin callers until the operator names them; development allows
    // local front-ends so that a dev server on another port works out of the box.
    return nodeEnv === 'production' ? [] : ['http://localhost:*', 'http://127.0.0.1:*'];
  }
  const origins = reader.list('CORS_ORIGINS');
  for (const origin of origins) {
    if (origin === '*') continue;
    if (!/^https?:\/\/(\*\.)?[a-z0-9.-]+(:(\d+|\*))?$/i.test(origin)) {
      reader.problems.push(
        `CORS_ORIGINS contains "${origin}": expected origins like https://app.example.com or https://*.example.com`,
      );
    }
  }
  return origins;
}

function parseDatabase(reader: EnvReader, dataDir: string): Config['database'] {
  const url = reader.raw('DATABASE_URL');
  if (url === undefined) return { kind: 'sqlite', file: path.join(dataDir, 'lunarbit.db') };
  if (/^postgres(ql)?:\/\//.test(url))
    return { kind: 'postgres', url, poolSize: reader.int('DATABASE_POOL_SIZE', 10, 1, 500) };
  reader.problems.push(
    'DATABASE_URL is invalid: expected postgres://… (leave it unset for the embedded SQLite database)',
  );
  return { kind: 'sqlite', file: path.join(dataDir, 'lunarbit.db') };
}

const MINUTE = 60_000;

function rateRule(reader: EnvReader, group: string, max: number, windowMs: number): RateLimitRule {
  return {
    max: reader.int(`RATE_LIMIT_${group}_MAX`, max, 1, 100_000_000),
    windowMs: reader.int(`RATE_LIMIT_${group}_WINDOW_MS`, windowMs, 1_000, 31 * 24 * 60 * MINUTE),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const reader = new EnvReader(env);
  const nodeEnv = reader.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const dataDir = path.resolve(reader.string('DATA_DIR', './data'));
  const apiKeyAdmin = reader.raw('API_KEY_ADMIN');
  if (nodeEnv === 'production' && apiKeyAdmin === undefined) {
    reader.problems.push(
      `API_KEY_ADMIN is required when NODE_ENV=production: set it to a random secret of at least ${MIN_ADMIN_KEY_LENGTH} characters (e.g. openssl rand -hex 32)`,
    );
  } else if (apiKeyAdmin !== undefined && apiKeyAdmin.length < MIN_ADMIN_KEY_LENGTH) {
    reader.problems.push(`API_KEY_ADMIN is too short: expected at least ${MIN_ADMIN_KEY_LENGTH} characters`);
  }
  const openaiApiKey = reader.raw('OPENAI_API_KEY');

  const config: Config = {
    nodeEnv,
    port: reader.int('PORT', 3000, 0, 65535),
    host: reader.string('HOST', nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    publicUrl: reader.url('PUBLIC_URL', undefined, ['http:', 'https:']),
    apiKeyAdmin,
    github: {
      token: reader.raw('GITHUB_TOKEN'),
      apiUrl: reader.url('GITHUB_API_URL', 'https://api.github.com', ['http:', 'https:']) as string,
    },
    lmstudio: {
      enabled: reader.bool('LMSTUDIO_ENABLED', false),
      baseUrl: reader.url('LMSTUDIO_BASE_URL', 'http://localhost:1234', ['http:', 'https:']) as string,
    },
    openai: {
      enabled: reader.bool('OPENAI_ENABLED', openaiApiKey !== undefined),
      apiKey: openaiApiKey,
      baseUrl: reader.url('OPENAI_BASE_URL', 'https://api.openai.com/v1', ['http:', 'https:']) as string,
    },
    cacheTtlMs: reader.int('CACHE_TTL', 300_000, 0, 86_400_000),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: reader.oneOf<LogFormat>('LOG_FORMAT', ['json', 'pretty'], 'json'),
    dataDir,
    database: parseDatabase(reader, dataDir),
    redisUrl: reader.url('REDIS_URL', undefined, ['redis:', 'rediss:']),
    redisPrefix: reader.string('REDIS_PREFIX', 'lunarbit:'),
    trustProxy: parseTrustProxy(reader),
    corsOrigins: parseCorsOrigins(reader, nodeEnv),
    bodyLimitBytes: reader.bytes('BODY_LIMIT', 1024 * 1024),
    shutdownTimeoutMs: reader.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    metricsToken: reader.raw('METRICS_TOKEN'),
    keys: {
      cacheTtlMs: reader.int('KEY_CACHE_TTL_MS', 30_000, 0, 3_600_000),
      negativeCacheTtlMs: reader.int('KEY_NEGATIVE_CACHE_TTL_MS', 5_000, 0, 600_000),
      usageFlushIntervalMs: reader.int('USAGE_FLUSH_INTERVAL_MS', 5_000, 100, 600_000),
    },
    rateLimits: {
      key: rateRule(reader, 'KEY', 1000, 15 * MINUTE),
      ip: rateRule(reader, 'IP', 1000, 15 * MINUTE),
      ai: rateRule(reader, 'AI', 100, 60 * MINUTE),
      unauthenticated: rateRule(reader, 'UNAUTH', 60, 60 * MINUTE),
      keyIssuance: rateRule(reader, 'KEY_ISSUANCE', 20, 60 * MINUTE),
      redisTimeoutMs: reader.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 100, 1, 60_000),
    },
  };
  if (config.openai.enabled && openaiApiKey === undefined) {
    reader.problems.push('OPENAI_ENABLED=true needs OPENAI_API_KEY');
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}
