/**
 * The registered providers with their routing settings, model lists and live state, and the
 * read-only views of them (`listModels`, `status`) that `/v1/models`, `/ai/status` and metrics use.
 */
import {
  type ConcurrencyLimit,
  createConcurrencyLimit,
  DEFAULT_MAX_CONCURRENCY,
} from './concurrency-limit.js';
import { type CooldownPolicy, createProviderState, type ProviderState } from './provider-state.js';
import type { AIProvider } from './providers/provider.js';

export interface RegisterProviderOptions {
  /** Lower is tried first by the priority strategy and in failover order. Default: registration order. */
  priority?: number;
  weight?: number;
  /** Models served; when empty they are discovered by the health checks (`getModels`). */
  models?: string[];
  /** Gateway model name → this provider's model name. */
  aliases?: Record<string, string>;
  /** Model used when a request names none; default: the first model. */
  defaultModel?: string;
  /** Calls it takes at once; more wait for a slot (bounded). Default 1024. */
  maxConcurrency?: number;
}

export interface RegisteredProvider {
  name: string;
  provider: AIProvider;
  priority: number;
  weight: number;
  order: number;
  configuredModels: string[];
  discoveredModels: string[];
  aliases: Record<string, string>;
  defaultModel: string | undefined;
  state: ProviderState;
  limit: ConcurrencyLimit;
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;

export function createProviderRegistry(cooldown: CooldownPolicy) {
  const entries = new Map<string, RegisteredProvider>();
  /** The entries in registration order, rebuilt only when one is registered (read on every call). */
  let list: readonly RegisteredProvider[] = [];

  const modelsOf = (entry: RegisteredProvider) =>
    entry.configuredModels.length > 0 ? entry.configuredModels : entry.discoveredModels;

  const byPreference = () =>
    [...entries.values()].sort((a, b) => a.priority - b.priority || a.order - b.order);

  function listModels() {
    const owners = new Map<string, string>();
    for (const entry of byPreference()) {
      for (const id of [...modelsOf(entry), ...Object.keys(entry.aliases)]) {
        if (!owners.has(id)) owners.set(id, entry.name);
      }
    }
    return [...owners].map(([id, provider]) => ({ id, provider }));
  }

  return {
    modelsOf,
    listModels,
    /** The entries in registration order, not to be modified (no copy per call). */
    all: () => list,
    get size() {
      return entries.size;
    },

    register(name: string, provider: AIProvider, options: RegisterProviderOptions = {}) {
      if (entries.has(name)) throw new Error(`An AI provider named "${name}" is already registered`);
      const weight = options.weight ?? 1;
      if (!(weight > 0)) throw new Error(`AI provider "${name}" needs a weight above 0`);
      entries.set(name, {
        name,
        provider,
        priority: options.priority ?? entries.size,
        weight,
        order: entries.size,
        configuredModels: [...(options.models ?? [])],
        discoveredModels: [],
        aliases: { ...options.aliases },
        defaultModel: options.defaultModel,
        state: createProviderState(cooldown),
        limit: createConcurrencyLimit(options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY),
      });
      list = [...entries.values()];
    },

    /** The provider's model for a request, or null when the provider does not serve it. */
    resolveModel(entry: RegisteredProvider, requested: string | undefined): string | undefined | null {
      if (requested === undefined) return entry.defaultModel ?? modelsOf(entry)[0];
      const aliased = entry.aliases[requested];
      if (aliased !== undefined) return aliased;
      return modelsOf(entry).includes(requested) ? requested : null;
    },

    /** Per-provider availability, models, health, load, latency, errors and tokens. */
    status(now: number) {
      return [...entries.values()].map((entry) => {
        const { state } = entry;
        return {
          name: entry.name,
          available: state.isAvailable(now),
          healthy: state.healthy ?? null,
          models: [...modelsOf(entry)],
          aliases: Object.keys(entry.aliases),
          priority: entry.priority,
          weight: entry.weight,
          inFlight: state.inFlight,
          maxConcurrency: entry.limit.max,
          queued: entry.limit.queued,
          queueRejections: entry.limit.rejected,
          requests: state.requests,
          successes: state.successes,
          errors: state.errors,
          errorsByKind: { ...state.errorsByKind },
          avgLatencyMs: state.avgLatencyMs ?? null,
          latencySamples: state.latencySamples,
          latencyTotalMs: state.latencyTotalMs,
          promptTokens: state.promptTokens,
          completionTokens: state.completionTokens,
          cooldownUntil: state.cooldownUntil > now ? state.cooldownUntil : null,
          lastError: state.lastError ?? null,
          lastHealthCheckAt: state.lastHealthCheckAt ?? null,
        };
      });
    },
  };
}

export type ProviderStatus = ReturnType<ProviderRegistry['status']>[number];
