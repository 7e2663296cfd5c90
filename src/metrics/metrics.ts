/**
 * Prometheus metrics, one registry per gateway instance (tests build several in one process).
 * Domains receive the counters they update; nothing here knows about routes or providers.
 */

import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type LabelValues,
  Registry,
} from 'prom-client';
import { LocallyObservedHistogram } from './locally-observed-histogram.js';

/** What a child bound with `labels({...})` counts since the metric was last read. */
interface LocalCount<L extends string> {
  labels: LabelValues<L>;
  count: number;
  /** Incremented since the last read, if only by 0 (which shows the series, as prom-client does). */
  touched: boolean;
}

/**
 * A counter whose children bound with `labels({...})` count in a number of their own, added to the
 * metric when it is read (prom-client's `collect`, before `/metrics` or `get()`): prom-client's own
 * children join and look up their label set on every increment, about 3,500 instructions each on the
 * update check (callgrind), which counts three. Reads see every increment made before them.
 */
export class LocallyCountedCounter<L extends string> extends Counter<L> {
  private readonly localCounts = new Map<string, LocalCount<L>>();

  constructor(configuration: CounterConfiguration<L>) {
    super({
      ...configuration,
      collect(this: Counter<L>) {
        (this as LocallyCountedCounter<L>).addLocalCounts();
      },
    });
  }

  override labels(labels: LabelValues<L>): Counter.Internal;
  override labels(...values: string[]): Counter.Internal;
  override labels(...args: [LabelValues<L>] | string[]): Counter.Internal {
    const [first] = args;
    if (typeof first !== 'object') return super.labels(...(args as string[]));
    const key = JSON.stringify(Object.entries(first).sort(([a], [b]) => (a < b ? -1 : 1)));
    let local = this.localCounts.get(key);
    if (local === undefined) {
      local = { labels: { ...first }, count: 0, touched: false };
      this.localCounts.set(key, local);
    }
    const counted = local;
    return {
      inc: (value = 1) => {
        if (!(value >= 0) || !Number.isFinite(value))
          throw new TypeError(`Not a counter increment: ${value}`);
        counted.count += value;
        counted.touched = true;
      },
    };
  }

  override reset(): void {
    // prom-client's constructor resets too, before this class's fields exist.
    for (const local of this.localCounts?.values() ?? []) {
      local.count = 0;
      local.touched = false;
    }
    super.reset();
  }

  private addLocalCounts(): void {
    for (const local of this.localCounts.values()) {
      if (!local.touched) continue;
      this.inc(local.labels, local.count);
      local.count = 0;
      local.touched = false;
    }
  }
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'lunarbit_' });

  return {
    registry,
    httpRequests: new LocallyCountedCounter({
      name: 'lunarbit_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new LocallyObservedHistogram({
      name: 'lunarbit_http_request_duration_seconds',
      help: 'Time from receiving a request to sending the last byte of its response',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimitRejections: new LocallyCountedCounter({
      name: 'lunarbit_rate_limit_rejections_total',
      help: 'Requests refused with 429, by rate-limit policy',
      labelNames: ['policy'] as const,
      registers: [registry],
    }),
    cacheLookups: new LocallyCountedCounter({
      name: 'lunarbit_cache_lookups_total',
      help: 'In-memory cache lookups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    aiCalls: new LocallyCountedCounter({
      name: 'lunarbit_ai_provider_calls_total',
      help: 'Calls to AI providers by provider and outcome',
      labelNames: ['provider', 'outcome', 'kind'] as const,
      registers: [registry],
    }),
    aiLatency: new LocallyObservedHistogram({
      name: 'lunarbit_ai_provider_duration_seconds',
      help: 'Duration of AI provider calls',
      labelNames: ['provider', 'stream'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    aiTokens: new LocallyCountedCounter({
      name: 'lunarbit_ai_tokens_total',
      help: 'Tokens reported by AI providers, by provider and type (prompt or completion)',
      labelNames: ['provider', 'type'] as const,
      registers: [registry],
    }),
    aiQueued: new Gauge({
      name: 'lunarbit_ai_queued_requests',
      help: 'AI requests waiting for a slot of a provider at its concurrency limit',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    aiQueueRejections: new LocallyCountedCounter({
      name: 'lunarbit_ai_queue_rejections_total',
      help: 'AI requests refused (503 at_capacity) after waiting AI_QUEUE_TIMEOUT_MS for a provider slot',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    aiResends: new LocallyCountedCounter({
      name: 'lunarbit_ai_upstream_resends_total',
      help: 'Requests sent to an AI provider once more because their connection closed on arrival (a stale keep-alive connection)',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    githubSyncRuns: new LocallyCountedCounter({
      name: 'lunarbit_github_sync_runs_total',
      help: 'GitHub Releases synchronisations by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

type LabelValue = string | number | boolean;
type LabelLevel = Map<LabelValue, unknown>;

/**
 * The children of a metric by label values, each bound once. prom-client sorts and joins a label set
 * on every call; binding skips that on hot paths. Only for bounded label values (routes, providers).
 * The values are looked up one level at a time rather than joined into one key: a joined key is a new
 * string whose hash is computed on every lookup (about 2,000 instructions per request for the
 * request metrics, callgrind), while routes, methods and provider names are the same strings each
 * time and their hashes are kept.
 */
export function boundChildren<V extends LabelValue[], C>(bind: (...values: V) => C): (...values: V) => C {
  const root: LabelLevel = new Map();
  return (...values) => {
    let level = root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i]!;
      let next = level.get(value) as LabelLevel | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    let child = level.get(values[last]!) as C | undefined;
    if (child === undefined) {
      child = bind(...values);
      level.set(values[last]!, child);
    }
    return child;
  };
}
