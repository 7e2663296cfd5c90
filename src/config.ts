/**
 * Environment → typed configuration. Read once at startup; every invalid variable is collected so
 * that the operator sees all problems in one message instead of fixing them one restart at a time.
 * No other module reads `process.env`.
 *
 * This module reads the gateway-wide settings (`CoreConfig`) and provides the reader that a domain's
 * own section reads its variables with (`ConfigSection`); it knows no domain's section. The sections
 * are put together in `app-config.ts` (`loadConfig`).
 */
import path from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';
/** Fastify's `trustProxy`: false, true, a hop count, or a list of addresses/CIDRs. */
export type TrustProxy = boolean | number | string[];

/** The gateway-wide settings; `app-config.ts`'s `Config` adds the domains' own sections. */
export interface CoreConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Absolute base URL the gateway is reached at; when unset it is derived from each request. */
  publicUrl: string | undefined;
  /** Undefined only in development before the bootstrap generates one (see admin-key-bootstrap). */
  apiKeyAdmin: string | undefined;
  github: {
    token: string | undefined;
    apiUrl: string;
    /** Milliseconds between scheduled syncs of each project (0: no schedule). */
    syncIntervalMs: number;
    /** Secret of `X-Hub-Signature-256` on `POST /webhooks/github`; unset refuses every delivery. */
    webhookSecret: string | undefined;
    /** Channel that receives GitHub prereleases. */
    prereleaseChannel: string;
  };
  /** Milliseconds; read caches and `Cache-Control: max-age` derive from it. */
  cacheTtlMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Log lines go to this file (appended) instead of standard output. */
  logFile: string | undefined;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several gateways (or test files) can share one Redis. */
  redisPrefix: string;
  /** How often instances on PostgreSQL read the change log for each other's events. */
  changeLogPollMs: number;
  trustProxy: TrustProxy;
  /** Exact origins or `*.example.com` wildcards; `*` allows any origin. */
  corsOrigins: string[];
  bodyLimitBytes: number;
  /** Longest wait for a request body to arrive completely (an upload: for its next byte); 408 beyond. */
  bodyTimeoutMs: number;
  /** Longest drain on SIGTERM before running AI streams are ended and the process exits. */
  shutdownTimeoutMs: number;
  /** How often a quiet gateway checks whether to give back young-generation memory; 0 turns it off. */
  heapTrimIntervalMs: number;
  /** Bearer token accepted by `GET /metrics` besides the admin key. */
  metricsToken: string | undefined;
  /** The project whose releases are the launcher's own updates (`POST /update/check`). */
  launcherProjectId: string;
  keys: {
    /** How long a verified key stays cached in memory (revocations reach every instance sooner, by event). */
    cacheTtlMs: number;
    /** How long an unknown key hash is remembered as unknown. */
    negativeCacheTtlMs: number;
    /** Longest wait of a usage or download count before it is written (the crash-loss bound; see flush-schedule.ts). */
    usageFlushIntervalMs: number;
  };
  rateLimits: RateLimitsConfig;
  artifacts: ArtifactsConfig;
}

/** Uploaded builds (stored under `DATA_DIR/artifacts` or in a bucket), their download links, build verification. */
export interface ArtifactsConfig {
  /** Where uploaded files live: the local disk (`DATA_DIR/artifacts`) or an S3-compatible bucket. */
  storage: { kind: 'local' } | S3StorageConfig;
  /** Largest accepted build file (413 beyond). */
  maxUploadBytes: number;
  /** HMAC secret of signed download URLs; unset: one generated once and kept under DATA_DIR. */
  signingSecret: string | undefined;
  /** How long a signed download URL stays valid. */
  signedUrlTtlMs: number;
  /** How long the download token in a keyed feed's links stays valid (at least this long). */
  downloadTokenTtlMs: number;
  verify: {
    /** Verify every build after it is added and on the schedule (on demand always works). */
    automatic: boolean;
    /** `size`: reachability and size of external URLs; `full`: also download them and check SHA-256. */
    mode: 'size' | 'full';
    /** How often pending and stale builds are verified again (and unreferenced files removed). */
    intervalMs: number;
    /** Allow verification requests to private, loopback and link-local addresses (SSRF guard off). */
    allowPrivate: boolean;
    /** Longest wait for an external server (connect, headers, and between body chunks). */
    timeoutMs: number;
  };
}

/** `ARTIFACT_STORAGE=s3`: an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Backblaze B2…). */
export interface S3StorageConfig {
  kind: 's3';
  bucket: string;
  region: string;
  /** Unset: AWS's own endpoint for the region. */
  endpoint: string | undefined;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, most self-hosted servers). */
  forcePathStyle: boolean;
  /** Both or neither; unset: the SDK's default chain (environment, shared files, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Prepended to every object key (`releases/`), so one bucket can hold other things too. */
  prefix: string;
  /** A CDN or public bucket URL: downloads redirect to `<base>/<prefix><key>` instead of a presigned link. */
  publicBaseUrl: string | undefined;
  /**
   * Longest wait for one request's answer (each part of an upload is a request of its own), and
   * longest silence on its connection while a body streams.
   */
  requestTimeoutMs: number;
  /** Longest wait for a connection to the endpoint. */
  connectTimeoutMs: number;
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

export type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_ADMIN_KEY_LENGTH = 32;

/**
 * Reads variables and records every problem instead of stopping at the first. Its messages name the
 * variable (`NAME="value" is invalid: expected …`); a section reports its own checks in `problems`.
 */
export class ConfigReader {
  readonly problems: string[] = [];
  /** The environment, for variables that other settings name (a providers file's `apiKeyEnv`). */
  constructor(readonly env: Env) {}

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

function parseTrustProxy(reader: ConfigReader): TrustProxy {
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

function parseCorsOrigins(reader: ConfigReader, nodeEnv: NodeEnv): string[] {
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

function parseDatabase(reader: ConfigReader, dataDir: string): CoreConfig['database'] {
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

/** `GITHUB_SYNC_INTERVAL`: milliseconds, or `30s`/`15m`/`6h`; `0` or `off` turns the schedule off. */
function parseSyncInterval(reader: ConfigReader): number {
  const value = reader.raw('GITHUB_SYNC_INTERVAL')?.toLowerCase();
  if (value === undefined) return 15 * MINUTE;
  if (value === '0' || value === 'off') return 0;
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(value);
  const unit = { ms: 1, s: 1_000, m: MINUTE, h: 60 * MINUTE }[(match?.[2] ?? 'ms') as 'ms'];
  const ms = match ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 10_000 || ms > 7 * 24 * 60 * MINUTE) {
    reader.problems.push(
      `GITHUB_SYNC_INTERVAL="${value}" is invalid: expected 0/off or a duration from 10s to 168h (e.g. 900000, 30s, 15m, 6h)`,
    );
    return 15 * MINUTE;
  }
  return ms;
}

function parseChannelId(reader: ConfigReader, name: string, fallback: string): string {
  const value = reader.string(name, fallback);
  if (/^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) return value;
  reader.problems.push(`${name}="${value}" is invalid: expected a channel id (lowercase letters, digits, -)`);
  return fallback;
}

function parseProjectId(reader: ConfigReader, name: string, fallback: string): string {
  const value = reader.string(name, fallback);
  if (/^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) return value;
  reader.problems.push(`${name}="${value}" is invalid: expected a project id (lowercase letters, digits, -)`);
  return fallback;
}

function rateRule(reader: ConfigReader, group: string, max: number, windowMs: number): RateLimitRule {
  return {
    max: reader.int(`RATE_LIMIT_${group}_MAX`, max, 1, 100_000_000),
    windowMs: reader.int(`RATE_LIMIT_${group}_WINDOW_MS`, windowMs, 1_000, 31 * 24 * 60 * MINUTE),
  };
}

const MIN_SIGNING_SECRET_LENGTH = 32;

/** S3 bucket names: 3–63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseArtifactStorage(reader: ConfigReader): ArtifactsConfig['storage'] {
  const kind = reader.oneOf('ARTIFACT_STORAGE', ['local', 's3'] as const, 'local');
  if (kind === 'local') {
    const stray = ['S3_BUCKET', 'S3_ENDPOINT'].filter((name) => reader.raw(name) !== undefined);
    if (stray.length > 0) {
      reader.problems.push(
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set but ARTIFACT_STORAGE is local: set ARTIFACT_STORAGE=s3 to store uploads in the bucket`,
      );
    }
    return { kind };
  }
  const bucket = reader.raw('S3_BUCKET');
  if (bucket === undefined) reader.problems.push('ARTIFACT_STORAGE=s3 needs S3_BUCKET (the bucket name)');
  else if (!BUCKET_NAME.test(bucket)) {
    reader.problems.push(
      `S3_BUCKET="${bucket}" is invalid: expected 3-63 lowercase letters, digits, dots and hyphens`,
    );
  }
  const accessKeyId = reader.raw('S3_ACCESS_KEY_ID');
  const secretAccessKey = reader.raw('S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    reader.problems.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK’s default credentials',
    );
  }
  const prefix = reader.string('S3_PREFIX', '');
  if (prefix !== '' && !/^[A-Za-z0-9!_.*'()/-]{1,200}\/$/.test(prefix)) {
    reader.problems.push(
      `S3_PREFIX="${prefix}" is invalid: expected a key prefix ending in / (letters, digits, / - _ . ! * ' ( )), e.g. releases/`,
    );
  }
  return {
    kind,
    bucket: bucket ?? '',
    region: reader.string('S3_REGION', 'us-east-1'),
    endpoint: reader.url('S3_ENDPOINT', undefined, ['https:', 'http:']),
    forcePathStyle: reader.bool('S3_FORCE_PATH_STYLE', false),
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
    prefix,
    publicBaseUrl: reader.url('S3_PUBLIC_BASE_URL', undefined, ['https:', 'http:']),
    requestTimeoutMs: reader.int('S3_REQUEST_TIMEOUT_MS', 30_000, 100, 10 * MINUTE),
    connectTimeoutMs: reader.int('S3_CONNECT_TIMEOUT_MS', 5_000, 100, 10 * MINUTE),
  };
}

function parseArtifacts(reader: ConfigReader): ArtifactsConfig {
  const signingSecret = reader.raw('DOWNLOAD_SIGNING_SECRET');
  if (signingSecret !== undefined && signingSecret.length < MIN_SIGNING_SECRET_LENGTH) {
    reader.problems.push(
      `DOWNLOAD_SIGNING_SECRET is too short: expected at least ${MIN_SIGNING_SECRET_LENGTH} characters`,
    );
  }
  return {
    storage: parseArtifactStorage(reader),
    maxUploadBytes: reader.bytes('MAX_UPLOAD_SIZE', 2 * 1024 ** 3),
    signingSecret,
    signedUrlTtlMs: reader.int('SIGNED_URL_TTL', 15 * MINUTE, 1_000, 7 * 24 * 60 * MINUTE),
    downloadTokenTtlMs: reader.int(
      'DOWNLOAD_TOKEN_TTL',
      7 * 24 * 60 * MINUTE,
      60 * MINUTE,
      90 * 24 * 60 * MINUTE,
    ),
    verify: {
      automatic: reader.bool('VERIFY_BUILDS', true),
      mode: reader.oneOf('VERIFY_DOWNLOADS', ['size', 'full'] as const, 'size'),
      intervalMs: reader.int('VERIFY_INTERVAL_MS', 60 * MINUTE, 10_000, 31 * 24 * 60 * MINUTE),
      allowPrivate: reader.bool('VERIFY_ALLOW_PRIVATE', false),
      timeoutMs: reader.int('VERIFY_TIMEOUT_MS', 30_000, 100, 10 * MINUTE),
    },
  };
}

function readCoreConfig(reader: ConfigReader): CoreConfig {
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
  return {
    nodeEnv,
    port: reader.int('PORT', 3000, 0, 65535),
    host: reader.string('HOST', nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    publicUrl: reader.url('PUBLIC_URL', undefined, ['http:', 'https:']),
    apiKeyAdmin,
    github: {
      token: reader.raw('GITHUB_TOKEN'),
      apiUrl: reader.url('GITHUB_API_URL', 'https://api.github.com', ['http:', 'https:']) as string,
      syncIntervalMs: parseSyncInterval(reader),
      webhookSecret: reader.raw('GITHUB_WEBHOOK_SECRET'),
      prereleaseChannel: parseChannelId(reader, 'GITHUB_PRERELEASE_CHANNEL', 'beta'),
    },
    cacheTtlMs: reader.int('CACHE_TTL', 300_000, 0, 86_400_000),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: reader.oneOf<LogFormat>('LOG_FORMAT', ['json', 'pretty'], 'json'),
    logFile: reader.raw('LOG_FILE'),
    dataDir,
    database: parseDatabase(reader, dataDir),
    redisUrl: reader.url('REDIS_URL', undefined, ['redis:', 'rediss:']),
    redisPrefix: reader.string('REDIS_PREFIX', 'lunarbit:'),
    changeLogPollMs: reader.int('CHANGE_LOG_POLL_MS', 500, 50, 60_000),
    trustProxy: parseTrustProxy(reader),
    corsOrigins: parseCorsOrigins(reader, nodeEnv),
    bodyLimitBytes: reader.bytes('BODY_LIMIT', 1024 * 1024),
    bodyTimeoutMs: reader.int('BODY_TIMEOUT_MS', 30_000, 100, 3_600_000),
    shutdownTimeoutMs: reader.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    heapTrimIntervalMs: reader.int('HEAP_TRIM_INTERVAL_MS', 10_000, 0, 3_600_000),
    metricsToken: reader.raw('METRICS_TOKEN'),
    launcherProjectId: parseProjectId(reader, 'LAUNCHER_PROJECT_ID', 'launcher'),
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
    artifacts: parseArtifacts(reader),
  };
}

/** A part of the configuration that a domain owns: reads its variables, reporting problems on the reader. */
export type ConfigSection<T> = (reader: ConfigReader) => T;

export type SectionValues<Sections extends Record<string, ConfigSection<unknown>>> = {
  [Name in keyof Sections]: ReturnType<Sections[Name]>;
};

/**
 * The gateway-wide settings and each section's, read from one environment; throws one
 * `ConfigError` listing every problem of them all.
 */
export function composeConfig<Sections extends Record<string, ConfigSection<unknown>>>(
  sections: Sections,
  env: Env = process.env,
): CoreConfig & SectionValues<Sections> {
  const reader = new ConfigReader(env);
  const core = readCoreConfig(reader);
  const values = Object.fromEntries(Object.entries(sections).map(([name, read]) => [name, read(reader)]));
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return { ...core, ...(values as SectionValues<Sections>) };
}
