/**
 * The model router: picks a provider for each request with the configured strategy, fails over to
 * the next candidate when a provider is down, slow, rate limited or failing (only before any chunk
 * reached the caller), cools failing providers down, probes their health in the background, and
 * keeps the per-provider counters that `/ai/status` and the metrics endpoint read.
 */
import { AppError } from '../errors.js';
import { type Clock, systemClock } from '../infra/clock.js';
import { DEFAULT_QUEUE_TIMEOUT_MS } from './concurrency-limit.js';
import {
  createProviderRegistry,
  type RegisteredProvider,
  type RegisterProviderOptions,
} from './provider-registry.js';
import { type CooldownPolicy, DEFAULT_COOLDOWN } from './provider-state.js';
import {
  type AIProvider,
  type CallOptions,
  type CallSignal,
  type ChatCompletion,
  type ChatCompletionRequest,
  isFailoverError,
  type ProviderError,
  type Usage,
} from './providers/provider.js';
import { createRoutedStream, type RoutedChunks } from './routed-stream.js';
import {
  abortedError,
  asProviderError,
  atCapacityError,
  attemptOf,
  type FailedAttempt,
  failedError,
  unavailableError,
} from './router-errors.js';
import { createRoutingStrategy, type RoutingStrategyName } from './routing-strategies.js';

export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** One finished provider call, for metrics (latency histograms, error and token counters). */
export interface ProviderCallRecord {
  provider: string;
  model: string | undefined;
  stream: boolean;
  outcome: 'success' | 'error' | 'cancelled';
  errorKind?: ProviderError['kind'];
  durationMs: number;
  usage?: Usage;
}

/** A call starts or stops waiting for a provider's slot, or its wait ended without one. */
export type QueueEvent = 'wait' | 'leave' | 'rejected';

export interface ModelRouterOptions {
  strategy?: RoutingStrategyName;
  /** Longest wait of a request for a slot of providers at their concurrency limit (default 5 s). */
  queueTimeoutMs?: number;
  onQueue?: (provider: string, event: QueueEvent) => void;
  clock?: Clock;
  cooldown?: Partial<CooldownPolicy>;
  healthCheckIntervalMs?: number;
  timers?: IntervalTimers;
  onCallFinished?: (record: ProviderCallRecord) => void;
}

export interface RoutedCompletion {
  provider: string;
  model: string | undefined;
  completion: ChatCompletion;
  /** Time spent waiting for the provider that answered, for the gateway-overhead header. */
  upstreamMs: number;
  failedAttempts: FailedAttempt[];
}

export interface StreamCallOptions extends CallOptions {
  /** Called once when the stream ends, however it ends, with its usage (reported or estimated) and model. */
  onUsage?: (usage: Usage, model: string | undefined) => void;
}

export interface RoutedStream {
  provider: string;
  model: string | undefined;
  /**
   * Starts with the first chunk (already received). Iterate it to the end or call `return()`:
   * either releases the upstream connection. Throws `AppError` on a mid-stream failure.
   */
  chunks: RoutedChunks;
  firstChunkMs: number;
  failedAttempts: FailedAttempt[];
}

const realTimers: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export type ModelRouter = ReturnType<typeof createModelRouter>;

export function createModelRouter(options: ModelRouterOptions = {}) {
  const clock = options.clock ?? systemClock;
  const strategy = createRoutingStrategy(options.strategy ?? 'priority');
  const cooldown = { ...DEFAULT_COOLDOWN, ...options.cooldown };
  const timers = options.timers ?? realTimers;
  const report = options.onCallFinished ?? (() => {});
  const onQueue = options.onQueue ?? (() => {});
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
  const registry = createProviderRegistry(cooldown);
  const closing = new AbortController();
  let healthTimer: unknown;
  let healthRun: Promise<void> | undefined;

  function candidatesFor(requested: string | undefined): readonly RegisteredProvider[] {
    if (registry.size === 0) throw unavailableError('No AI provider is configured', undefined);
    const now = clock.now();
    let serving = 0;
    const available: RegisteredProvider[] = [];
    for (const entry of registry.all()) {
      if (registry.resolveModel(entry, requested) === null) continue;
      serving += 1;
      if (entry.state.isAvailable(now)) available.push(entry);
    }
    if (serving === 0) {
      throw new AppError('INVALID_REQUEST', `Model "${requested}" is not served by any AI provider`, {
        model: requested,
        available_models: registry.listModels().map((model) => model.id),
      });
    }
    if (available.length === 0) {
      const servingEntries = registry
        .all()
        .filter((entry) => registry.resolveModel(entry, requested) !== null);
      const waits = servingEntries.map((entry) => entry.state.cooldownUntil - now).filter((wait) => wait > 0);
      throw unavailableError(
        'No AI provider is available for this request right now',
        waits.length > 0 ? Math.min(...waits) : undefined,
        { providers: servingEntries.map((entry) => entry.name) },
      );
    }
    // Every strategy puts a lone candidate first and keeps no state for it.
    if (available.length === 1) return available;
    const views = available.map((entry) => ({
      entry,
      name: entry.name,
      priority: entry.priority,
      weight: entry.weight,
      order: entry.order,
      inFlight: entry.state.inFlight,
      avgLatencyMs: entry.state.avgLatencyMs,
    }));
    return strategy.order(views).map((view) => view.entry);
  }

  /** Waits (within what is left of the request's queue time) for a slot of a busy provider. */
  async function waitForSlot(entry: RegisteredProvider, ms: number, signal: CallSignal | undefined) {
    onQueue(entry.name, 'wait');
    const granted = await entry.limit.acquire(ms, signal);
    onQueue(entry.name, 'leave');
    if (!granted && !signal?.aborted) onQueue(entry.name, 'rejected');
    return granted;
  }

  /**
   * Runs `attempt` on each candidate in turn until one succeeds, an error no other provider can
   * fix occurs, or the candidates run out. Providers with a free slot are tried first, in the
   * strategy's order; one at its concurrency limit is waited for only after them, and all waits of
   * one request together last at most `queueTimeoutMs`. `settle` ends the attempt's hold on the
   * provider (in-flight count and slot) once, however it ends.
   */
  async function withFailover<T>(
    request: ChatCompletionRequest,
    signal: CallSignal | undefined,
    stream: boolean,
    attempt: (
      entry: RegisteredProvider,
      model: string | undefined,
      startedAt: number,
      attempts: FailedAttempt[],
      settle: () => void,
    ) => Promise<T>,
  ): Promise<T> {
    const attempts: FailedAttempt[] = [];
    let last: ProviderError | undefined;
    const busy: RegisteredProvider[] = [];
    const queueEndsAt = performance.now() + queueTimeoutMs;

    /** The attempt's answer, or undefined after a failure another provider may fix. */
    async function tryProvider(entry: RegisteredProvider): Promise<{ value: T } | undefined> {
      const model = registry.resolveModel(entry, request.model) ?? undefined;
      const startedAt = clock.now();
      entry.state.requests += 1;
      entry.state.inFlight += 1;
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        entry.state.inFlight -= 1;
        entry.limit.release();
      };
      try {
        return { value: await attempt(entry, model, startedAt, attempts, settle) };
      } catch (thrown) {
        settle();
        const error = asProviderError(thrown, entry.name);
        const durationMs = clock.now() - startedAt;
        if (error.kind === 'aborted' || signal?.aborted) {
          report({ provider: entry.name, model, stream, outcome: 'cancelled', durationMs });
          throw abortedError(thrown);
        }
        entry.state.recordFailure(error, clock.now());
        report({ provider: entry.name, model, stream, outcome: 'error', errorKind: error.kind, durationMs });
        attempts.push(attemptOf(error));
        last = error;
        if (!isFailoverError(error)) throw failedError(attempts, error);
        return undefined;
      }
    }

    for (const entry of candidatesFor(request.model)) {
      if (signal?.aborted) throw abortedError(signal.reason);
      // A concurrent request may have cooled this provider down since the candidates were listed.
      if (!entry.state.isAvailable(clock.now())) continue;
      if (!entry.limit.tryAcquire()) {
        busy.push(entry);
        continue;
      }
      const answer = await tryProvider(entry);
      if (answer) return answer.value;
    }
    for (const entry of busy) {
      if (signal?.aborted) throw abortedError(signal.reason);
      if (!entry.state.isAvailable(clock.now())) continue;
      if (!(await waitForSlot(entry, queueEndsAt - performance.now(), signal))) continue;
      const answer = await tryProvider(entry);
      if (answer) return answer.value;
    }
    if (signal?.aborted) throw abortedError(signal.reason);
    if (last !== undefined) throw failedError(attempts, last);
    if (busy.length > 0)
      throw atCapacityError(
        busy.map((entry) => entry.name),
        queueTimeoutMs,
      );
    throw unavailableError('No AI provider is available for this request right now', undefined);
  }

  async function chatCompletion(
    request: ChatCompletionRequest,
    call: CallOptions = {},
  ): Promise<RoutedCompletion> {
    return withFailover(request, call.signal, false, async (entry, model, startedAt, attempts, settle) => {
      const completion = await entry.provider.chatCompletion({ ...request, model }, { signal: call.signal });
      const upstreamMs = clock.now() - startedAt;
      settle();
      entry.state.recordLatency(upstreamMs);
      entry.state.recordSuccess();
      entry.state.recordUsage(completion.usage);
      const usage = completion.usage;
      report({
        provider: entry.name,
        model,
        stream: false,
        outcome: 'success',
        durationMs: upstreamMs,
        usage,
      });
      return { provider: entry.name, model, completion, upstreamMs, failedAttempts: attempts };
    });
  }

  /** Resolves once a provider delivered its first chunk; failures before that fail over. */
  async function streamCompletion(
    request: ChatCompletionRequest,
    call: StreamCallOptions = {},
  ): Promise<RoutedStream> {
    return withFailover(request, call.signal, true, async (entry, model, startedAt, attempts, settle) => {
      const upstream = entry.provider.streamCompletion({ ...request, model }, { signal: call.signal });
      const iterator = upstream[Symbol.asyncIterator]();
      const first = await iterator.next();
      const firstChunkMs = clock.now() - startedAt;
      entry.state.recordLatency(firstChunkMs);
      const chunks = createRoutedStream({
        first,
        iterator,
        request,
        signal: call.signal,
        onEnd: (outcome, usage, reported, error) => {
          settle();
          entry.state.recordUsage(reported);
          if (outcome === 'success') entry.state.recordSuccess();
          if (error) entry.state.recordFailure(error, clock.now());
          const durationMs = clock.now() - startedAt;
          report({
            provider: entry.name,
            model,
            stream: true,
            outcome,
            errorKind: error?.kind,
            durationMs,
            usage: reported,
          });
          call.onUsage?.(usage, model ?? request.model);
        },
        asProviderError: (thrown) => asProviderError(thrown, entry.name),
      });
      return { provider: entry.name, model, chunks, firstChunkMs, failedAttempts: attempts };
    });
  }

  async function checkOne(entry: RegisteredProvider) {
    let healthy = false;
    try {
      healthy = await entry.provider.isHealthy({ signal: closing.signal });
    } catch {
      healthy = false;
    }
    entry.state.healthy = healthy;
    entry.state.lastHealthCheckAt = clock.now();
    if (!healthy || entry.configuredModels.length > 0) return;
    try {
      entry.discoveredModels = await entry.provider.getModels({ signal: closing.signal });
    } catch {
      // Keep the previous list: a failed listing does not mean the models are gone.
    }
  }

  /** Probes every provider once (concurrent calls share one run). */
  function runHealthChecks(): Promise<void> {
    healthRun ??= Promise.all(registry.all().map(checkOne)).then(() => {
      healthRun = undefined;
    });
    return healthRun;
  }

  return {
    registerProvider(name: string, provider: AIProvider, registration?: RegisterProviderOptions): void {
      registry.register(name, provider, registration);
    },
    chatCompletion,
    streamCompletion,
    /** Every model and alias a request may name, with the preferred provider serving it. */
    listModels: registry.listModels,
    status: () => ({ strategy: strategy.name, providers: registry.status(clock.now()) }),
    runHealthChecks,
    /** Probes now, then every `healthCheckIntervalMs` (default 30 s) until `close()`. */
    startHealthChecks(): void {
      if (healthTimer !== undefined) return;
      void runHealthChecks();
      healthTimer = timers.setInterval(() => void runHealthChecks(), options.healthCheckIntervalMs ?? 30_000);
    },
    async close(): Promise<void> {
      if (healthTimer !== undefined) timers.clearInterval(healthTimer);
      healthTimer = undefined;
      closing.abort();
      await Promise.allSettled(registry.all().map((entry) => entry.provider.close?.()));
    },
  };
}
