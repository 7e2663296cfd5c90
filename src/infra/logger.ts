import { type DestinationStream, destination, type Logger, type LoggerOptions, pino } from 'pino';
import type { Config } from '../config.js';

/**
 * Paths pino blanks out. Credentials can arrive in headers or in bodies logged by a route, so both
 * are covered; `*` wildcards catch secret-named fields one level into any logged object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.authorization',
  'body.password',
  'body.secret',
  'body.token',
  'body.apiKey',
  'body.api_key',
  'body.key',
];

type LogSettings = Pick<Config, 'logLevel' | 'logFormat' | 'logFile'>;

export function loggerOptions(config: LogSettings): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: undefined,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (config.logFormat === 'pretty') {
    const target = config.logFile === undefined ? {} : { destination: config.logFile, colorize: false };
    options.transport = {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'SYS:standard', ...target },
    };
  }
  return options;
}

/**
 * Where JSON lines go: standard output or `LOG_FILE`, written asynchronously in batches of at least
 * 4 KiB, flushed every second and when the process exits, so that a request never waits for the
 * disk or a slow pipe reader (a write per line cost the update check a fifth of its throughput).
 */
export function logDestination(config: LogSettings): DestinationStream | undefined {
  if (config.logFormat === 'pretty' || config.logLevel === 'silent') return undefined;
  const stream = destination({ dest: config.logFile ?? 1, sync: false, minLength: 4096, mkdir: true });
  const flusher = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // destroyed at shutdown: what it held was written then
    }
  }, LOG_FLUSH_INTERVAL_MS);
  flusher.unref();
  return stream;
}

const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * The logger of the one line per request: the same level, format and destination, without the
 * redaction paths. Redaction doubled the cost of a line (measured: about 10 µs against 4 µs per
 * line here), and these lines carry only fields the gateway chose, never headers or bodies.
 */
export function createAccessLogger(config: LogSettings, stream: DestinationStream): Logger {
  const { redact: _redact, ...options } = loggerOptions(config);
  return pino(options, stream);
}
