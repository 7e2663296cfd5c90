import type { LoggerOptions } from 'pino';
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

export function loggerOptions(config: Pick<Config, 'logLevel' | 'logFormat'>): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: undefined,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (config.logFormat === 'pretty') {
    options.transport = { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard' } };
  }
  return options;
}
