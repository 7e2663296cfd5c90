/**
 * The AI domain as the composition root sees it: the model router over the configured providers,
 * the service the routes call, and the changelog analyser, built once from configuration.
 */

import type { Clock } from '../infra/clock.js';
import type { KeyUsageTracker } from '../keys/key-usage.js';
import { boundChildren, type Metrics } from '../metrics/metrics.js';
import type { AiConfig } from './ai-config.js';
import { createAiService } from './ai-service.js';
import { createProvidersFromSettings } from './ai-settings.js';
import { createChangelogAnalyzer } from './changelog-analyzer.js';
import { createModelRouter, type ProviderCallRecord, type QueueEvent } from './model-router.js';

export interface AiGatewayDeps {
  config: AiConfig;
  usage: Pick<KeyUsageTracker, 'recordTokens'>;
  clock: Clock;
  /** Per-provider call, latency, token and queue counters. */
  metrics?: Pick<
    Metrics,
    'aiCalls' | 'aiLatency' | 'aiTokens' | 'aiQueued' | 'aiQueueRejections' | 'aiResends'
  >;
}

/** The queue gauge and refusal counter of each provider. */
function queueRecorder(metrics: AiGatewayDeps['metrics']): (provider: string, event: QueueEvent) => void {
  if (metrics === undefined) return () => {};
  return (provider, event) => {
    if (event === 'wait') metrics.aiQueued.inc({ provider });
    else if (event === 'leave') metrics.aiQueued.dec({ provider });
    else metrics.aiQueueRejections.inc({ provider });
  };
}

/** The counter of a provider's requests sent once more after a stale connection. */
function resendRecorder(metrics: AiGatewayDeps['metrics'], provider: string): (() => void) | undefined {
  if (metrics === undefined) return undefined;
  const resends = metrics.aiResends.labels({ provider });
  return () => resends.inc();
}

/** Per-provider call, latency and token counters, their label sets bound once. */
function callRecorder(metrics: AiGatewayDeps['metrics']): (call: ProviderCallRecord) => void {
  if (metrics === undefined) return () => {};
  const calls = boundChildren((provider: string, outcome: string, kind: string) =>
    metrics.aiCalls.labels({ provider, outcome, kind }),
  );
  const latency = boundChildren((provider: string, stream: boolean) =>
    metrics.aiLatency.labels({ provider, stream: String(stream) }),
  );
  const tokens = boundChildren((provider: string) => ({
    prompt: metrics.aiTokens.labels({ provider, type: 'prompt' }),
    completion: metrics.aiTokens.labels({ provider, type: 'completion' }),
  }));
  return (call) => {
    const { provider } = call;
    calls(provider, call.outcome, call.errorKind ?? 'none').inc();
    if (call.outcome === 'success') latency(provider, call.stream).observe(call.durationMs / 1000);
    if (call.usage) {
      const counters = tokens(provider);
      counters.prompt.inc(call.usage.prompt_tokens);
      counters.completion.inc(call.usage.completion_tokens);
    }
  };
}

export type AiGateway = ReturnType<typeof createAiGateway>;

export function createAiGateway(deps: AiGatewayDeps) {
  const { config } = deps;
  const router = createModelRouter({
    strategy: config.settings.strategy,
    clock: deps.clock,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    queueTimeoutMs: config.queueTimeoutMs,
    onCallFinished: callRecorder(deps.metrics),
    onQueue: queueRecorder(deps.metrics),
  });
  // The gateway-wide limits apply to every provider that does not set its own.
  const providers = config.settings.providers.map((definition) => ({
    ...definition,
    timeouts: { ...config.timeouts, ...definition.timeouts },
    maxResponseBytes: definition.maxResponseBytes ?? config.maxResponseBytes,
    maxConcurrency: definition.maxConcurrency ?? config.maxConcurrency,
    onResend: resendRecorder(deps.metrics, definition.name),
  }));
  for (const { name, provider, options } of createProvidersFromSettings({ ...config.settings, providers })) {
    router.registerProvider(name, provider, options);
  }
  const service = createAiService({ router, usage: deps.usage, maxTokensCap: config.maxTokensCap });
  const analyzer = createChangelogAnalyzer({ ai: service });

  return {
    router,
    service,
    analyzer,
    /** Probes providers now (discovering the models of those configured without a list) and periodically. */
    start: () => router.startHealthChecks(),
    close: () => router.close(),
  };
}
