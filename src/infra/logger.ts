import fs from 'node:fs';
import path from 'node:path';
import { type DestinationStream, destination, type Logger, type LoggerOptions, pino } from 'pino';
import type { CoreConfig } from '../config.js';

/**
 * Paths pino blanks out. Credentials can arrive in headers or in bodies logged by a route, so both
 * are covered; `*` wildcards catch secret-named fields one level into any logged object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers["x-csrf-token"]',
  '*.csrf_token',
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

type LogSettings = Pick<CoreConfig, 'logLevel' | 'logFormat' | 'logFile'>;

let timeFieldMs = Number.NaN;
let timeFieldText = '';

/** pino's `time` field, formatted once per millisecond (a busy gateway logs many lines in each). */
function timeField(): string {
  const now = Date.now();
  if (now !== timeFieldMs) {
    timeFieldMs = now;
    timeFieldText = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeFieldText;
}

export function loggerOptions(config: LogSettings): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: undefined,
    timestamp: timeField,
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

/** What `logDestination` returns: pino writes lines to it; `flush` hands what it holds to the writer. */
export interface LogDestination extends DestinationStream {
  flush(): void;
  flushSync(): void;
}

interface LineWriter {
  write(chunk: string): boolean;
  flush(): void;
  flushSync(): void;
}

/**
 * Collects lines and hands them to `writer` in chunks of at least `minBytes`. pino's own batching
 * (sonic-boom's `minLength`) appends each line to one growing string and measures that string's UTF-8
 * length on every line, which allocated about 8 KB per request line (measured with V8's sampling heap
 * profiler under the update-check benchmark); here a line costs its own bytes and one join per chunk.
 */
export function batchLines(writer: LineWriter, minBytes: number): LogDestination {
  let lines: string[] = [];
  let pending = 0;
  const handOver = () => {
    if (lines.length === 0) return;
    const chunk = lines.join('');
    lines = [];
    pending = 0;
    writer.write(chunk);
  };
  return {
    write(line: string) {
      lines.push(line);
      pending += line.length;
      if (pending >= minBytes) handOver();
      return true;
    },
    flush() {
      handOver();
      writer.flush();
    },
    flushSync() {
      handOver();
      writer.flushSync();
    },
  };
}

const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;

function openLogFile(file: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return fs.openSync(file, 'a');
}

/** Destinations whose lines must be written before the process exits (and before pino ends them). */
const openDestinations = new Set<LogDestination>();
let exitHookInstalled = false;

function flushAllSync(): void {
  for (const stream of openDestinations) {
    try {
      stream.flushSync();
    } catch {
      // not open yet, or destroyed at shutdown: nothing more can be written
    }
  }
}

/**
 * Where JSON lines go: standard output or `LOG_FILE`, written asynchronously in chunks of at least
 * 4 KiB, flushed every second and when the process exits, so that a request never waits for the
 * disk or a slow pipe reader (a write per line cost the update check a fifth of its throughput).
 */
export function logDestination(config: LogSettings): LogDestination | undefined {
  if (config.logFormat === 'pretty' || config.logLevel === 'silent') return undefined;
  // The file is opened here, synchronously: lines logged just before an early exit are then written
  // (an asynchronous open could still be pending), and a file that cannot be opened stops startup.
  const file = destination({
    dest: config.logFile === undefined ? 1 : openLogFile(config.logFile),
    sync: false,
    minLength: 0,
  });
  const stream = batchLines(file, LOG_BATCH_BYTES);
  openDestinations.add(stream);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Before pino's own exit hook, which ends the file writer.
    process.prependListener('exit', flushAllSync);
  }
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

/**
 * The gateway's logger, made before Fastify so that everything the composition root builds (the fast
 * lane included) logs through it: pino over `stream`, or over the pretty transport when there is none.
 */
export function createLogger(config: LogSettings, stream: DestinationStream | undefined): Logger {
  const options = loggerOptions(config);
  return stream ? pino({ ...options, transport: undefined }, stream) : pino(options);
}

/** The fields of the one line per request, in the order the line gives them. */
export interface AccessLine {
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  caller: string | null;
  code?: string;
}

export const ACCESS_LINE_MESSAGE = 'request completed';

/**
 * `JSON.stringify(text)`: the text in quotes as it is when it has nothing to escape (printable ASCII
 * without `"` or `\`, the case of every request id, method, route and error code), which costs a
 * few instructions per character against about 1,200 per `JSON.stringify` call.
 */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return JSON.stringify(text);
  }
  return `"${text}"`;
}

export type WriteAccessLine = (line: AccessLine) => void;

/**
 * The writer of the one line per request. With a JSON destination the line is written straight to it,
 * as pino writes it (level, time, the fields in order, msg), skipping pino's generic path (key
 * iteration, value checks, a serializer call per key): about 4,000 instructions fewer per line under
 * the update-check benchmark (callgrind; the line still costs about 19,000, 13,500 of them building the
 * string). The line carries only fields the gateway chose, never headers or bodies, so there is nothing
 * to redact. Without a JSON destination (pretty format), through `logger`.
 */
export function createAccessLineWriter(
  logger: Logger,
  stream: DestinationStream | undefined,
): WriteAccessLine {
  if (!logger.isLevelEnabled('info')) return () => {};
  if (stream === undefined) return (line) => logger.info(line, ACCESS_LINE_MESSAGE);
  return ({ requestId, method, route, status, durationMs, caller, code }) => {
    stream.write(
      `{"level":"info"${timeField()},"requestId":${jsonString(requestId)},"method":${jsonString(method)},` +
        `"route":${jsonString(route)},"status":${status},"durationMs":${durationMs},` +
        `"caller":${caller === null ? 'null' : jsonString(caller)}` +
        `${code === undefined ? '' : `,"code":${jsonString(code)}`},"msg":"${ACCESS_LINE_MESSAGE}"}\n`,
    );
  };
}
