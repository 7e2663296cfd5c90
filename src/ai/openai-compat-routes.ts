/**
 * The OpenAI wire format (`/v1/chat/completions`, `/v1/models`), so that OpenAI SDKs and tools work
 * against the gateway with a gateway key: same request fields, same answers, same SSE framing.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses, jsonOrEventStream } from '../http/common-schemas.js';
import type { AiRoutesDeps } from './ai-routes.js';
import type { AiService } from './ai-service.js';
import {
  type AiCallSignals,
  aiCallSignals,
  sendEventStream,
  setOverheadHeader,
  sseFrame,
  streamErrorEnvelope,
  unlessShutDown,
} from './event-stream.js';
import type { RoutedStream } from './model-router.js';
import { ChatCompletionResponse, ChatCompletionsBody, ModelListResponse } from './openai-compat-schemas.js';
import {
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ChatMessage,
  upstreamJson,
} from './providers/provider.js';

export type OpenAICompatRoutesDeps = Pick<AiRoutesDeps, 'config' | 'shutdownDeadline'> & {
  ai: AiService;
  /** Unix seconds reported as every model's `created`. */
  startedAt: number;
};

const tags = ['ai'];

/** Only validated fields travel upstream; `null` means "not set" in the OpenAI API. */
export function toProviderRequest(body: ChatCompletionsBody): ChatCompletionRequest {
  const messages = body.messages.map((message) => {
    const picked: ChatMessage = {
      role: message.role as ChatMessage['role'],
      content: message.content ?? null,
    };
    if (message.name !== undefined) picked.name = message.name;
    if (message.tool_calls !== undefined) picked.tool_calls = message.tool_calls;
    if (message.tool_call_id !== undefined) picked.tool_call_id = message.tool_call_id;
    return picked;
  });
  const request: ChatCompletionRequest = { messages };
  // Plain stores in the body's order: no rest copy, no object per field.
  const fields = request as unknown as Record<string, unknown>;
  const source = body as unknown as Record<string, unknown>;
  for (const field of Object.keys(source)) {
    if (field === 'messages' || field === 'stream' || field === 'stream_options') continue;
    const value = source[field];
    if (value !== null && value !== undefined) fields[field] = value;
  }
  return request;
}

/** What a chunk ends `"usage":null}` with when its upstream put usage last, as OpenAI does. */
const NULL_USAGE_LAST = ',"usage":null}';

/**
 * The frame of a chunk: the upstream's own JSON when the chunk is unchanged, else serialised.
 * Without `include_usage` the usage chunk is dropped and the others go without their usage field.
 */
export function chunkFrame(chunk: ChatCompletionChunk, includeUsage: boolean): string | undefined {
  const source = chunk[upstreamJson];
  if (includeUsage) return source === undefined ? sseFrame(chunk) : `data: ${source}\n\n`;
  if (chunk.choices.length === 0) return undefined;
  if (source !== undefined) {
    if (chunk.usage === undefined) return `data: ${source}\n\n`;
    // The last field at the top level (the closing brace follows): cut as JSON.stringify would omit it.
    if (chunk.usage === null && source.endsWith(NULL_USAGE_LAST))
      return `data: ${source.slice(0, -NULL_USAGE_LAST.length)}}\n\n`;
  }
  // The chunk is not read after this: its usage is left out of the frame without a copy
  // (JSON.stringify omits undefined fields, as it omits absent ones).
  chunk.usage = undefined;
  return sseFrame(chunk);
}

/**
 * OpenAI SSE framing ending with `[DONE]`. The usage chunk reaches only clients that asked for it.
 * A mid-stream failure sends an OpenAI error object and closes without `[DONE]`, so that clients
 * see a failure instead of a complete-looking truncated answer. A stream ended at the shutdown
 * deadline sends the error object and then `[DONE]`: the gateway, not the provider, ended it.
 */
async function* openAIEvents(
  routed: RoutedStream,
  includeUsage: boolean,
  request: FastifyRequest,
  signals: AiCallSignals,
): AsyncGenerator<string> {
  try {
    for await (const chunk of routed.chunks) {
      const frame = chunkFrame(chunk, includeUsage);
      if (frame !== undefined) yield frame;
    }
  } catch (error) {
    if (signals.clientGone()) return;
    const { error: envelope } = streamErrorEnvelope(request, error, signals);
    yield sseFrame({
      error: {
        message: envelope.message,
        type: envelope.code === 'UPSTREAM_TIMEOUT' ? 'timeout' : 'server_error',
        param: null,
        code: envelope.code,
        request_id: envelope.request_id,
        documentation_url: envelope.documentation_url,
      },
    });
    if (signals.cutByShutdown()) yield 'data: [DONE]\n\n';
    return;
  }
  yield 'data: [DONE]\n\n';
}

export async function openAICompatRoutes(instance: FastifyInstance, deps: OpenAICompatRoutesDeps) {
  const { ai } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/v1/chat/completions',
    {
      bodyLimit: deps.config.ai.bodyLimitBytes,
      config: { auth: 'key', permission: 'canUseAI', rateGroup: 'ai' },
      schema: {
        tags,
        summary: 'OpenAI-compatible chat completion',
        description:
          'The OpenAI Chat Completions API in front of every configured provider (Anthropic answers are translated). ' +
          'Authenticate with a gateway key as the API key. Tools are passed through. `max_tokens` is capped by the ' +
          'gateway configuration. Fields outside this schema are refused with 400.',
        body: ChatCompletionsBody,
        response: {
          200: jsonOrEventStream(
            ChatCompletionResponse,
            '`chat.completion.chunk` frames as OpenAI sends them, ending with `data: [DONE]`',
          ),
          ...errorResponses(400, 401, 403, 413, 429, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      const chat = toProviderRequest(request.body);
      const signals = aiCallSignals(reply, deps.shutdownDeadline);
      if (request.body.stream) {
        const routed = await unlessShutDown(ai.stream(request.caller!, chat, signals.signal), signals);
        setOverheadHeader(reply, routed.firstChunkMs);
        const includeUsage = request.body.stream_options?.include_usage === true;
        return sendEventStream(reply, openAIEvents(routed, includeUsage, request, signals));
      }
      const routed = await unlessShutDown(ai.complete(request.caller!, chat, signals.signal), signals);
      setOverheadHeader(reply, routed.upstreamMs);
      return routed.completion;
    },
  );

  app.get(
    '/v1/models',
    {
      // Listing reads memory only and spends no provider tokens: the key's budget, not the AI one.
      config: { auth: 'key', permission: 'canUseAI', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'OpenAI-compatible model list',
        description:
          'Every model and alias a request may name, with the preferred provider serving it as `owned_by`.',
        response: { 200: ModelListResponse, ...errorResponses(401, 403, 429) },
      },
    },
    async (_request: FastifyRequest, _reply: FastifyReply) => ({
      object: 'list' as const,
      data: ai.listModels().map(({ id, provider }) => ({
        id,
        object: 'model' as const,
        created: deps.startedAt,
        owned_by: provider,
      })),
    }),
  );
}
