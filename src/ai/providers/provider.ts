/**
 * The provider contract of the AI gateway. The canonical wire format inside the gateway is the
 * OpenAI Chat Completions format: requests, completions and stream chunks of every provider are
 * translated to it, so routes and the router never need to know which vendor answered.
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextContentPart {
  type: 'text';
  text: string;
}
export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: string };
}
export type ContentPart = TextContentPart | ImageContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/** The request every provider accepts. Fields a provider does not know are passed through or dropped. */
export interface ChatCompletionRequest {
  /** The provider's own model name (the router resolves aliases). Omitted: the provider's default. */
  model?: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  tools?: ChatTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Present (true) only when the provider reported no usage and the gateway counted it itself. */
  estimated?: true;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; refusal?: string | null };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage: Usage;
  system_fingerprint?: string | null;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** The key of a chunk's upstream JSON text (see `ChatCompletionChunk`). */
export const upstreamJson: unique symbol = Symbol('upstreamJson');

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      tool_calls?: ToolCallDelta[];
      refusal?: string | null;
    };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  /** Null on content chunks; set on the final chunk, which has no choices. */
  usage?: Usage | null;
  /**
   * The chunk's JSON exactly as the upstream sent it (one line), kept only while the chunk is
   * unchanged: relayed as it came instead of serialised again. A symbol, so JSON.stringify skips it;
   * not enumerable, so a copy of the chunk does not carry it.
   */
  [upstreamJson]?: string;
}

/** Told that a call was aborted: a function, or an object (no closure per call). */
export type AbortListener = (() => void) | { handleEvent(): void };

/**
 * What a call reads of its cancellation. An `AbortSignal` is one; the routes give a lighter one of
 * their own to every call (see `aiCallSignals`).
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

export interface CallOptions {
  /** Aborting closes the upstream connection at once (client gone, gateway shutting down). */
  signal?: CallSignal;
}

/** Health checks and model listings, bounded by a timeout combined with `signal`. */
export interface ProbeOptions {
  signal?: AbortSignal;
}

export interface AIProvider {
  readonly name: string;
  chatCompletion(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatCompletion>;
  /**
   * Chunks in the OpenAI format, ending with a chunk that carries `usage`. Ends normally only when
   * the upstream finished its stream; every other end is a thrown `ProviderError`.
   */
  streamCompletion(request: ChatCompletionRequest, options?: CallOptions): AsyncIterable<ChatCompletionChunk>;
  isHealthy(options?: ProbeOptions): Promise<boolean>;
  getModels(options?: ProbeOptions): Promise<string[]>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

export type ProviderErrorKind =
  | 'connect'
  | 'timeout'
  | 'rate_limited'
  | 'server'
  | 'client'
  | 'invalid_response'
  | 'aborted';

export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** True when the stream had already yielded a chunk: the answer cannot be retried elsewhere. */
  afterFirstChunk: boolean;

  constructor(
    provider: string,
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; afterFirstChunk?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.afterFirstChunk = options.afterFirstChunk ?? false;
  }
}

/** The failures another provider may succeed on: the provider, not the request, is at fault. */
export function isFailoverError(error: ProviderError): boolean {
  return (
    error.kind === 'connect' ||
    error.kind === 'timeout' ||
    error.kind === 'rate_limited' ||
    error.kind === 'server'
  );
}

/** The error kind of an HTTP status an upstream answered with. */
export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

/**
 * Milliseconds to wait from `retry-after-ms` (milliseconds, used by OpenAI and Azure) or
 * `retry-after` (seconds or an HTTP date). Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  nowMs: number,
): number | undefined {
  const first = (name: string) => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim();
  };
  const ms = first('retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = first('retry-after');
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Rough token count of `length` characters (about four per token), for providers that report no usage. */
export function estimateTokensOfLength(length: number): number {
  return length === 0 ? 0 : Math.max(1, Math.ceil(length / 4));
}

export function estimateTokens(text: string): number {
  return estimateTokensOfLength(text.length);
}

export function messagesText(messages: ChatMessage[]): string {
  return messages
    .map((message) => {
      const content =
        typeof message.content === 'string'
          ? message.content
          : (message.content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
      const calls = (message.tool_calls ?? []).map((call) => call.function.name + call.function.arguments);
      return content + calls.join('');
    })
    .join('\n');
}

/** Usage estimated from the prompt and the length of the completion's text (counted, not kept, while streaming). */
export function estimatedUsage(request: ChatCompletionRequest, completionLength: number): Usage {
  const prompt = estimateTokens(messagesText(request.messages));
  const completion = estimateTokensOfLength(completionLength);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    estimated: true,
  };
}
