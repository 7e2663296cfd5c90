/**
 * The AI section of the configuration (`config.ai`): each provider kind's variables (read by its
 * entry in `providers/registry.ts`), AI_PROVIDERS_FILE (read here, once, at startup), the routing
 * strategy and the gateway-wide AI limits. Problems are reported on the reader under the variable's
 * name, with those of the rest of the configuration.
 */
import fs from 'node:fs';
import type { ConfigReader } from '../config.js';
import { type AiSettings, AiSettingsError, type AiSettingsInput, resolveAiSettings } from './ai-settings.js';
import { DEFAULT_MAX_CONCURRENCY, DEFAULT_QUEUE_TIMEOUT_MS } from './concurrency-limit.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUTS,
  type HttpTimeouts,
} from './providers/http-transport.js';
import { ENVIRONMENT_KINDS } from './providers/registry.js';
import { ROUTING_STRATEGIES } from './routing-strategies.js';

export interface AiConfig {
  /** Providers and routing strategy from the per-vendor variables and AI_PROVIDERS_FILE, validated. */
  settings: AiSettings;
  /** Upstream timeouts of providers that set none of their own (providers file `timeouts`). */
  timeouts: HttpTimeouts;
  /** Largest upstream answer read (streams included) of providers that set none of their own. */
  maxResponseBytes: number;
  /** Upper bound on `max_tokens` of every AI request; requests without one get this. */
  maxTokensCap: number;
  /** Largest request body on AI routes (they carry whole conversations, unlike the rest). */
  bodyLimitBytes: number;
  healthCheckIntervalMs: number;
  /** Calls one provider takes at once when its providers-file entry sets no `maxConcurrency`. */
  maxConcurrency: number;
  /** Longest wait of a request for a provider slot before 503 `AI_UNAVAILABLE` (`at_capacity`). */
  queueTimeoutMs: number;
}

export const NO_AI_PROVIDERS: AiSettings = { strategy: 'priority', providers: [] };

const MINUTE = 60_000;

function readAiLimits(reader: ConfigReader): Omit<AiConfig, 'settings'> {
  const ms = (name: string, fallback: number) => reader.int(name, fallback, 1, 24 * 60 * MINUTE);
  return {
    timeouts: {
      connectMs: ms('AI_CONNECT_TIMEOUT_MS', DEFAULT_TIMEOUTS.connectMs),
      headersMs: ms('AI_HEADERS_TIMEOUT_MS', DEFAULT_TIMEOUTS.headersMs),
      idleMs: ms('AI_IDLE_TIMEOUT_MS', DEFAULT_TIMEOUTS.idleMs),
      totalMs: ms('AI_TOTAL_TIMEOUT_MS', DEFAULT_TIMEOUTS.totalMs),
    },
    maxResponseBytes: reader.bytes('AI_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES),
    maxTokensCap: reader.int('AI_MAX_TOKENS_CAP', 4096, 1, 10_000_000),
    bodyLimitBytes: reader.bytes('AI_BODY_LIMIT', 4 * 1024 * 1024),
    healthCheckIntervalMs: reader.int('AI_HEALTH_CHECK_INTERVAL_MS', 30_000, 1_000, 24 * 60 * MINUTE),
    maxConcurrency: reader.int('AI_PROVIDER_MAX_CONCURRENCY', DEFAULT_MAX_CONCURRENCY, 1, 1_000_000),
    queueTimeoutMs: reader.int('AI_QUEUE_TIMEOUT_MS', DEFAULT_QUEUE_TIMEOUT_MS, 0, 10 * MINUTE),
  };
}

/** Each environment-configured kind's settings, by type. */
function readProviderVariables(reader: ConfigReader): AiSettingsInput {
  const input: Record<string, unknown> = {};
  for (const { type, environment } of ENVIRONMENT_KINDS) {
    const settings = environment.read(reader);
    if (settings !== undefined) input[type] = settings;
  }
  return input as AiSettingsInput;
}

/** The AI providers of the vendor variables and of AI_PROVIDERS_FILE. */
function readAiSettings(reader: ConfigReader, vendors: AiSettingsInput): AiSettings {
  const file = reader.raw('AI_PROVIDERS_FILE');
  let providersFile: { text: string; source: string } | undefined;
  if (file !== undefined) {
    try {
      providersFile = { text: fs.readFileSync(file, 'utf8'), source: `AI_PROVIDERS_FILE (${file})` };
    } catch (error) {
      reader.problems.push(`AI_PROVIDERS_FILE="${file}" cannot be read: ${(error as Error).message}`);
    }
  }
  // Unset: the providers file's strategy, else priority.
  const strategy =
    reader.raw('AI_ROUTING_STRATEGY') === undefined
      ? undefined
      : reader.oneOf('AI_ROUTING_STRATEGY', ROUTING_STRATEGIES, 'priority');
  try {
    return resolveAiSettings({ ...vendors, routingStrategy: strategy, providersFile, env: reader.env });
  } catch (error) {
    if (!(error instanceof AiSettingsError)) throw error;
    reader.problems.push(...error.problems);
    return NO_AI_PROVIDERS;
  }
}

/** The `ai` section (a `ConfigSection`). */
export function readAiConfig(reader: ConfigReader): AiConfig {
  const vendors = readProviderVariables(reader);
  return { ...readAiLimits(reader), settings: readAiSettings(reader, vendors) };
}
