/**
 * The reference's AI endpoints: provider status, chat (JSON or server-sent events) and changelog
 * analysis. Routing, failover and token accounting happen in the service; these handlers shape
 * the reference's request and response formats.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses, jsonOrEventStream } from '../http/common-schemas.js';
import { isoString } from '../infra/clock.js';
import type { AiConfig } from './ai-config.js';
import {
  AiChatBody,
  AiChatResponse,
  AiStatusResponse,
  AnalyzeChangelogBody,
  AnalyzeChangelogResponse,
} from './ai-schemas.js';
import type { AiService } from './ai-service.js';
import type { ChangelogAnalyzer } from './changelog-analyzer.js';
import {
  type AiCallSignals,
  aiCallSignals,
  clientGoneSignal,
  sendEventStream,
  setOverheadHeader,
  sseFrame,
  streamErrorEnvelope,
  unlessShutDown,
} from './event-stream.js';
import type { RoutedStream } from './model-router.js';
import type { ProviderStatus } from './provider-registry.js';

export interface AiRoutesDeps {
  ai: AiService;
  analyzer: ChangelogAnalyzer;
  config: { ai: Pick<AiConfig, 'bodyLimitBytes'> };
  /** Aborted at the shutdown deadline: running calls end (streams with an `error` event). */
  shutdownDeadline: AbortSignal;
}

const tags = ['ai'];
const aiRoute = { auth: 'key', permission: 'canUseAI', rateGroup: 'ai' } as const;
const time = (ms: number | null) => (ms === null ? null : isoString(ms));

function statusView(provider: ProviderStatus) {
  return {
    name: provider.name,
    available: provider.available,
    models: provider.models,
    healthy: provider.healthy,
    aliases: provider.aliases,
    priority: provider.priority,
    weight: provider.weight,
    in_flight: provider.inFlight,
    max_concurrency: provider.maxConcurrency,
    queued: provider.queued,
    queue_rejections: provider.queueRejections,
    requests: provider.requests,
    successes: provider.successes,
    errors: provider.errors,
    avg_latency_ms: provider.avgLatencyMs === null ? null : Math.round(provider.avgLatencyMs),
    cooldown_until: time(provider.cooldownUntil),
    // The kind only: upstream messages may name internal hosts.
    last_error: provider.lastError && { kind: provider.lastError.kind, at: isoString(provider.lastError.at) },
    last_health_check_at: time(provider.lastHealthCheckAt),
  };
}

/**
 * `delta` frames, then `done` — or `error` when the provider fails mid-stream or the shutdown
 * deadline comes, never a silent end.
 */
async function* chatEvents(
  routed: RoutedStream,
  request: FastifyRequest,
  reply: FastifyReply,
  signals: AiCallSignals,
): AsyncGenerator<string> {
  let model = routed.model ?? '';
  let finishReason: string | null = null;
  try {
    for await (const chunk of routed.chunks) {
      if (chunk.model) model = chunk.model;
      for (const choice of chunk.choices) {
        if (choice.delta.content) yield sseFrame({ content: choice.delta.content }, 'delta');
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
    }
  } catch (error) {
    if (!signals.clientGone()) {
      yield sseFrame(streamErrorEnvelope(request, error, signals), 'error');
    }
    return;
  }
  const usage = routed.chunks.usage();
  yield sseFrame(
    {
      model,
      provider: routed.provider,
      tokens_used: usage?.total_tokens ?? 0,
      processing_time_ms: Math.round(reply.elapsedTime),
      finish_reason: finishReason,
      usage,
    },
    'done',
  );
}

export async function aiRoutes(instance: FastifyInstance, deps: AiRoutesDeps) {
  const { ai, analyzer } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const bodyLimit = deps.config.ai.bodyLimitBytes;

  app.get(
    '/ai/status',
    {
      config: { auth: 'public', rateGroup: 'ip' },
      schema: {
        tags,
        summary: 'AI providers, their models and health',
        description:
          'Each configured provider with its models, whether it takes requests now (`available`: healthy and not ' +
          'cooling down after failures), the last health check, load, latency and error counters. `max_concurrency` ' +
          'is how many calls it takes at once; `queued` requests wait for one of its slots now, and `queue_rejections` ' +
          'counts those refused (503 `AI_UNAVAILABLE`, `at_capacity`) after waiting `AI_QUEUE_TIMEOUT_MS`.',
        response: { 200: AiStatusResponse, ...errorResponses(429) },
      },
    },
    async () => {
      const { strategy, providers } = ai.status();
      return { enabled: providers.length > 0, strategy, providers: providers.map(statusView) };
    },
  );

  app.post(
    '/ai/chat',
    {
      bodyLimit,
      config: aiRoute,
      schema: {
        tags,
        summary: 'Chat completion',
        description:
          'Routes the conversation to a provider serving `model` (or the default), failing over to the next one when ' +
          'a provider is down, rate limited or failing. `max_tokens` is capped by the gateway configuration. Token ' +
          'usage is recorded for the calling key. `X-Gateway-Overhead-Ms` tells the time spent in the gateway. ' +
          'With `stream: true` the answer is a server-sent event stream (see the 200 response).',
        body: AiChatBody,
        response: {
          200: jsonOrEventStream(
            AiChatResponse,
            'Frames `event: delta`, then `event: done` (or `event: error`)',
          ),
          ...errorResponses(400, 401, 403, 413, 429, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const { messages, temperature, max_tokens, model, stream } = request.body;
      const chat = { model, messages, temperature, max_tokens };
      const signals = aiCallSignals(reply, deps.shutdownDeadline);
      if (stream) {
        const routed = await unlessShutDown(ai.stream(request.caller!, chat, signals.signal), signals);
        setOverheadHeader(reply, routed.firstChunkMs);
        return sendEventStream(reply, chatEvents(routed, request, reply, signals));
      }
      const {
        completion,
        provider,
        upstreamMs,
        model: routedModel,
      } = await unlessShutDown(ai.complete(request.caller!, chat, signals.signal), signals);
      setOverheadHeader(reply, upstreamMs);
      const choice = completion.choices[0];
      return {
        response: choice?.message.content ?? '',
        model: completion.model || routedModel || '',
        provider,
        tokens_used: completion.usage.total_tokens,
        processing_time_ms: Math.round(reply.elapsedTime),
        finish_reason: choice?.finish_reason ?? null,
        usage: completion.usage,
      };
    },
  );

  app.post(
    '/ai/analyze-changelog',
    {
      bodyLimit,
      config: aiRoute,
      schema: {
        tags,
        summary: 'Analyse a changelog',
        description:
          'Summarises a release changelog and says whether it breaks anything. A model is asked for a JSON verdict, ' +
          'which is validated; when no provider is available or its answer is invalid, deterministic rules answer ' +
          'instead. `source` says which (`ai` or `heuristic`).',
        body: AnalyzeChangelogBody,
        response: { 200: AnalyzeChangelogResponse, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request, reply) => analyzer.analyze(request.caller!, request.body, clientGoneSignal(reply)),
  );
}
