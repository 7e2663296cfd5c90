/**
 * Base for every server that speaks the OpenAI Chat Completions API (OpenAI, LM Studio, Ollama,
 * vLLM, llama.cpp server). Since the gateway's canonical format is this API, the base mostly checks
 * what comes back and guarantees usage on every answer. Subclasses adjust URLs, auth and chunks.
 */
import { createHttpTransport, type HttpTimeouts, type HttpTransport } from './http-transport.js';
import {
  type AIProvider,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  estimatedUsage,
  type ProbeOptions,
  ProviderError,
  type Usage,
  upstreamJson,
} from './provider.js';
import { commonOptions, defineProviderKind } from './provider-kind.js';

export interface OpenAICompatibleOptions {
  name: string;
  /** The API root including its version segment, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Models this deployment serves; when empty they are listed from the server. */
  models?: string[];
  timeouts?: Partial<HttpTimeouts>;
  maxResponseBytes?: number;
  connections?: number;
  onResend?: () => void;
  /** Bound on health checks and model listing, which must not hang the router. */
  probeTimeoutMs?: number;
}

/** Any OpenAI-compatible server, configured by a providers-file entry with its `baseUrl`. */
export const openaiCompatibleKind = defineProviderKind({
  type: 'openai-compatible',
  providersFile: {
    needsKey: false,
    check(entry, problem) {
      if (entry.baseUrl === undefined) problem('baseUrl', 'is required for openai-compatible');
      return undefined;
    },
  },
  create: (definition) =>
    new OpenAICompatibleProvider({
      ...commonOptions(definition),
      baseUrl: definition.baseUrl ?? '',
      apiKey: definition.apiKey,
    }),
});

export class OpenAICompatibleProvider implements AIProvider {
  readonly name: string;
  protected readonly http: HttpTransport;
  protected readonly baseUrl: string;
  private readonly options: OpenAICompatibleOptions;
  private headers: Record<string, string> | undefined;
  private chatUrl: string | undefined;

  constructor(options: OpenAICompatibleOptions) {
    this.name = options.name;
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = createHttpTransport({
      provider: options.name,
      timeouts: options.timeouts,
      maxResponseBytes: options.maxResponseBytes,
      connections: options.connections,
      onResend: options.onResend,
    });
  }

  /** The same string on every call, so that the transport finds its parsed form without hashing a new one. */
  protected completionsUrl(_model: string | undefined): string {
    this.chatUrl ??= `${this.baseUrl}/chat/completions`;
    return this.chatUrl;
  }

  protected modelsUrl(): string {
    return `${this.baseUrl}/models`;
  }

  /** The same headers on every call: built once, never modified (the transport copies them). */
  protected requestHeaders(): Record<string, string> {
    if (this.headers === undefined) {
      const auth: Record<string, string> = this.options.apiKey
        ? { authorization: `Bearer ${this.options.apiKey}` }
        : {};
      this.headers = { ...auth, ...this.options.headers };
    }
    return this.headers;
  }

  protected upstreamBody(request: ChatCompletionRequest, stream: boolean): Record<string, unknown> {
    // Built without `delete`, which would turn the object into a slow dictionary for JSON.stringify,
    // and without a rest pattern when there are no stream options to leave out (the common case).
    if (request.stream_options === undefined) {
      return stream
        ? { ...request, stream, stream_options: { include_usage: true } }
        : { ...request, stream };
    }
    const { stream_options: options, ...rest } = request;
    return stream
      ? { ...rest, stream, stream_options: { ...options, include_usage: true } }
      : { ...rest, stream };
  }

  /** The chunk to pass on, or undefined to skip it (for vendor metadata chunks). */
  protected acceptChunk(chunk: ChatCompletionChunk): ChatCompletionChunk | undefined {
    return chunk;
  }

  async chatCompletion(request: ChatCompletionRequest, options: CallOptions = {}): Promise<ChatCompletion> {
    const raw = await this.http.requestJson(
      {
        method: 'POST',
        url: this.completionsUrl(request.model),
        headers: this.requestHeaders(),
        body: this.upstreamBody(request, false),
      },
      options.signal,
    );
    if (!isCompletionShape(raw)) {
      throw new ProviderError(this.name, 'invalid_response', 'the response is not a chat completion');
    }
    // The parsed answer is the gateway's own: completed in place rather than copied.
    raw.object = 'chat.completion';
    const completion = raw as unknown as ChatCompletion;
    let length = 0;
    for (const choice of completion.choices) length += choice.message.content?.length ?? 0;
    completion.usage = readUsage(raw.usage) ?? estimatedUsage(request, length);
    return completion;
  }

  async *streamCompletion(
    request: ChatCompletionRequest,
    options: CallOptions = {},
  ): AsyncGenerator<ChatCompletionChunk> {
    let yielded = false;
    let usage: Usage | undefined;
    let textLength = 0;
    let last: ChatCompletionChunk | undefined;
    let sawDone = false;
    try {
      const events = this.http.streamEvents(
        {
          method: 'POST',
          url: this.completionsUrl(request.model),
          headers: this.requestHeaders(),
          body: this.upstreamBody(request, true),
        },
        options.signal,
      );
      for await (const batch of events) {
        for (const event of batch) {
          // Events after [DONE] are ignored; the body is still read to its end so the connection is reused.
          if (sawDone) continue;
          if (event.data === '[DONE]') {
            sawDone = true;
            continue;
          }
          const raw = parseJson(this.name, event.data);
          if (isRecord(raw) && raw.error !== undefined) {
            throw new ProviderError(this.name, 'server', 'the provider reported an error mid-stream');
          }
          if (!isChunkShape(raw))
            throw new ProviderError(this.name, 'invalid_response', 'invalid stream chunk');
          // Relayed as the upstream sent it while nothing below changes it (one line, so one SSE frame).
          let unchanged = raw.object === 'chat.completion.chunk' && !event.data.includes('\n');
          raw.object = 'chat.completion.chunk';
          const chunk = this.acceptChunk(raw as unknown as ChatCompletionChunk);
          if (chunk === undefined) continue;
          if (!chunk.choices.every((choice) => isRecord(choice.delta))) {
            throw new ProviderError(
              this.name,
              'invalid_response',
              'a stream chunk has a choice without delta',
            );
          }
          for (const choice of chunk.choices) textLength += choice.delta.content?.length ?? 0;
          const chunkUsage = readUsage(chunk.usage);
          if (chunkUsage !== undefined) {
            chunk.usage = usage = chunkUsage;
            unchanged = false;
          }
          // Not enumerable: a copy made by spreading the chunk (and so possibly changed) does not keep it.
          if (unchanged && chunk === (raw as unknown))
            Object.defineProperty(chunk, upstreamJson, { value: event.data });
          last = chunk;
          yield chunk;
          yielded = true;
        }
      }
      if (!sawDone) throw new ProviderError(this.name, 'server', 'the stream ended without [DONE]');
      if (usage === undefined) {
        yield {
          id: last?.id ?? '',
          object: 'chat.completion.chunk',
          created: last?.created ?? Math.floor(Date.now() / 1000),
          model: last?.model ?? request.model ?? '',
          choices: [],
          usage: estimatedUsage(request, textLength),
        };
      }
    } catch (error) {
      if (error instanceof ProviderError) error.afterFirstChunk = yielded;
      throw error;
    }
  }

  async getModels(options: ProbeOptions = {}): Promise<string[]> {
    if (this.options.models && this.options.models.length > 0) return [...this.options.models];
    return this.listServerModels(options);
  }

  async isHealthy(options: ProbeOptions = {}): Promise<boolean> {
    try {
      await this.listServerModels(options);
      return true;
    } catch {
      return false;
    }
  }

  protected async listServerModels(options: ProbeOptions): Promise<string[]> {
    const signal = this.probeSignal(options.signal);
    const raw = await this.http.requestJson(
      { method: 'GET', url: this.modelsUrl(), headers: this.requestHeaders() },
      signal,
    );
    const data = isRecord(raw) && Array.isArray(raw.data) ? raw.data : undefined;
    if (data === undefined) throw new ProviderError(this.name, 'invalid_response', 'invalid model list');
    return data.flatMap((entry) => (isRecord(entry) && typeof entry.id === 'string' ? [entry.id] : []));
  }

  protected probeSignal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.probeTimeoutMs ?? 5_000);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(provider: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(provider, 'invalid_response', 'a stream event is not valid JSON');
  }
}

/** Upstream usage when it is complete, else undefined (the caller then estimates). */
export function readUsage(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = value.prompt_tokens;
  const completion = value.completion_tokens;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  const total = typeof value.total_tokens === 'number' ? value.total_tokens : prompt + completion;
  return { ...value, prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

function isCompletionShape(value: unknown): value is Record<string, unknown> & { choices: unknown[] } {
  return (
    isRecord(value) &&
    Array.isArray(value.choices) &&
    value.choices.every((choice) => isRecord(choice) && isRecord(choice.message))
  );
}

function isChunkShape(value: unknown): value is Record<string, unknown> & { choices: unknown[] } {
  return (
    isRecord(value) &&
    Array.isArray(value.choices) &&
    value.choices.every(
      (choice) => isRecord(choice) && (choice.delta === undefined || isRecord(choice.delta)),
    )
  );
}
