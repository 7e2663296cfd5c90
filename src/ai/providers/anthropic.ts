/**
 * Anthropic Messages API provider. Requests, answers and stream events are translated to and from
 * the gateway's OpenAI format by `anthropic-translation.ts`; this file does the HTTP side.
 */
import {
  AnthropicStreamError,
  AnthropicStreamTranslator,
  fromAnthropicMessage,
  isJson,
  toAnthropicRequest,
  UntranslatableRequestError,
} from './anthropic-translation.js';
import { createHttpTransport, type HttpTimeouts } from './http-transport.js';
import {
  type AIProvider,
  type CallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type ProbeOptions,
  ProviderError,
  type ProviderErrorKind,
} from './provider.js';
import { commonOptions, defineProviderKind } from './provider-kind.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
/** The Messages API requires max_tokens; OpenAI clients usually omit it. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicProviderOptions {
  name?: string;
  apiKey: string;
  baseUrl?: string;
  models?: string[];
  /** Used when a request names no model; else the first configured model. */
  defaultModel?: string;
  defaultMaxTokens?: number;
  timeouts?: Partial<HttpTimeouts>;
  maxResponseBytes?: number;
  connections?: number;
  onResend?: () => void;
  probeTimeoutMs?: number;
}

const ERROR_KINDS: Record<string, ProviderErrorKind> = {
  overloaded_error: 'server',
  api_error: 'server',
  rate_limit_error: 'rate_limited',
  timeout_error: 'timeout',
};

export class AnthropicProvider implements AIProvider {
  readonly name: string;
  private readonly http;
  private readonly baseUrl: string;

  constructor(private readonly options: AnthropicProviderOptions) {
    this.name = options.name ?? 'anthropic';
    this.baseUrl = (options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/, '');
    this.http = createHttpTransport({
      provider: this.name,
      timeouts: options.timeouts,
      maxResponseBytes: options.maxResponseBytes,
      connections: options.connections,
      onResend: options.onResend,
    });
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.options.apiKey, 'anthropic-version': ANTHROPIC_VERSION };
  }

  private translate(request: ChatCompletionRequest, stream: boolean) {
    const model = request.model ?? this.options.defaultModel ?? this.options.models?.[0];
    if (model === undefined) throw new ProviderError(this.name, 'client', 'no model requested or configured');
    try {
      const body = toAnthropicRequest(
        request,
        model,
        this.options.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      );
      return {
        method: 'POST' as const,
        url: `${this.baseUrl}/v1/messages`,
        headers: this.headers(),
        body: { ...body, stream },
      };
    } catch (error) {
      if (error instanceof UntranslatableRequestError)
        throw new ProviderError(this.name, 'client', error.message);
      throw error;
    }
  }

  async chatCompletion(request: ChatCompletionRequest, options: CallOptions = {}): Promise<ChatCompletion> {
    const raw = await this.http.requestJson(this.translate(request, false), options.signal);
    const completion = fromAnthropicMessage(raw, Math.floor(Date.now() / 1000));
    if (!completion) throw new ProviderError(this.name, 'invalid_response', 'the response is not a message');
    return completion;
  }

  async *streamCompletion(
    request: ChatCompletionRequest,
    options: CallOptions = {},
  ): AsyncGenerator<ChatCompletionChunk> {
    let yielded = false;
    try {
      const translator = new AnthropicStreamTranslator(Math.floor(Date.now() / 1000));
      for await (const events of this.http.streamEvents(this.translate(request, true), options.signal)) {
        for (const event of events) {
          if (translator.finished) continue;
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            throw new ProviderError(this.name, 'invalid_response', 'a stream event is not valid JSON');
          }
          if (!isJson(data))
            throw new ProviderError(this.name, 'invalid_response', 'a stream event is not an object');
          for (const chunk of translator.translate(event.event ?? String(data.type), data)) {
            yield chunk;
            yielded = true;
          }
        }
      }
      if (!translator.finished)
        throw new ProviderError(this.name, 'server', 'the stream ended before message_stop');
    } catch (error) {
      const failure =
        error instanceof AnthropicStreamError
          ? new ProviderError(
              this.name,
              ERROR_KINDS[error.errorType] ?? 'server',
              `stream error: ${error.errorType}`,
            )
          : error;
      if (failure instanceof ProviderError) failure.afterFirstChunk = yielded;
      throw failure;
    }
  }

  async getModels(options: ProbeOptions = {}): Promise<string[]> {
    if (this.options.models && this.options.models.length > 0) return [...this.options.models];
    const raw = await this.http.requestJson(
      { method: 'GET', url: `${this.baseUrl}/v1/models`, headers: this.headers() },
      this.probeSignal(options.signal),
    );
    if (!isJson(raw) || !Array.isArray(raw.data)) {
      throw new ProviderError(this.name, 'invalid_response', 'invalid model list');
    }
    return raw.data.flatMap((entry) => (isJson(entry) && typeof entry.id === 'string' ? [entry.id] : []));
  }

  async isHealthy(options: ProbeOptions = {}): Promise<boolean> {
    try {
      await this.http.requestJson(
        { method: 'GET', url: `${this.baseUrl}/v1/models`, headers: this.headers() },
        this.probeSignal(options.signal),
      );
      return true;
    } catch {
      return false;
    }
  }

  private probeSignal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.probeTimeoutMs ?? 5_000);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

interface AnthropicSettings {
  apiKey?: string;
  baseUrl?: string;
  /** Default: listed from the API. */
  models?: string[];
}

export const anthropicKind = defineProviderKind<'anthropic', AnthropicSettings>({
  type: 'anthropic',
  environment: {
    rank: 2,
    variables: ['ANTHROPIC_API_KEY', 'ANTHROPIC_ENABLED', 'ANTHROPIC_BASE_URL'],
    read(reader) {
      const apiKey = reader.raw('ANTHROPIC_API_KEY');
      const enabled = reader.bool('ANTHROPIC_ENABLED', apiKey !== undefined);
      const baseUrl = reader.url('ANTHROPIC_BASE_URL', undefined, ['http:', 'https:']);
      if (enabled && apiKey === undefined)
        reader.problems.push('ANTHROPIC_ENABLED=true needs ANTHROPIC_API_KEY');
      return enabled && apiKey !== undefined ? { apiKey, baseUrl } : undefined;
    },
    define: ({ apiKey, baseUrl, models = [] }) => (apiKey ? { baseUrl, apiKey, models } : undefined),
  },
  providersFile: { needsKey: true },
  create: (definition) =>
    new AnthropicProvider({
      ...commonOptions(definition),
      apiKey: definition.apiKey ?? '',
      baseUrl: definition.baseUrl,
      defaultModel: definition.defaultModel,
    }),
});
