/**
 * The AI domain as the composition root sees it: the model router over the configured providers,
 * the service the routes call, and the changelog analyser, built once from configuration.
 */
import type { AiConfig } from '../config.js';
import type { Clock } from '../infra/clock.js';
import type { KeyUsageTracker } from '../keys/key-usage.js';
import type { Metrics } from '../metrics/metrics.js';
import { createAiService } from './ai-service.js';
import { createProvidersFromSettings } from './ai-settings.js';
import { createChangelogAnalyzer } from './changelog-analyzer.js';
import { createModelRouter, type ProviderCallRecord } from './model-router.js';

export interface AiGatewayDeps {
  config: AiConfig;
  usage: Pick<KeyUsageTracker, 'recordTokens'>;
  clock: Clock;
  /** Per-provider call, latency and token counters. */
  metrics?: Pick<Metrics, 'aiCalls' | 'aiLatency' | 'aiTokens'>;
}

function recordCall(metrics: AiGatewayDeps['metrics'], call: ProviderCallRecord): void {
  if (metrics === undefined) return;
  const { provider } = call;
  metrics.aiCalls.inc({ provider, outcome: call.outcome, kind: call.errorKind ?? 'none' });
  if (call.outcome === 'success') {
    metrics.aiLatency.observe({ provider, stream: String(call.stream) }, call.durationMs / 1000);
  }
  if (call.usage) {
    metrics.aiTokens.inc({ provider, type: 'prompt' }, call.usage.prompt_tokens);
    metrics.aiTokens.inc({ provider, type: 'completion' }, call.usage.completion_tokens);
  }
}

export type AiGateway = ReturnType<typeof createAiGateway>;

export function createAiGateway(deps: AiGatewayDeps) {
  const { config } = deps;
  const router = createModelRouter({
    strategy: config.settings.strategy,
    clock: deps.clock,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    onCallFinished: (call) => recordCall(deps.metrics, call),
  });
  // The gateway-wide limits apply to every provider that does not set its own.
  const providers = config.settings.providers.map((definition) => ({
    ...definition,
    timeouts: { ...config.timeouts, ...definition.timeouts },
    maxResponseBytes: definition.maxResponseBytes ?? config.maxResponseBytes,
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
