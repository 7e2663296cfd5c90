/**
 * Pure translation between the gateway's OpenAI-format requests/answers and the Anthropic
 * Messages API (https://docs.anthropic.com/en/api/messages): requests, complete messages, and
 * stream events. Kept free of I/O so every mapping rule has a unit test.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  FinishReason,
  ToolCall,
  Usage,
} from './provider.js';

type AnthropicBlock =
  | { type: 'text'; text: string }
  | {
      type: 'image';
      source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
    }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  metadata?: { user_id: string };
  stream?: boolean;
}

/** A request the Messages API cannot express (e.g. tool arguments that are not JSON). */
export class UntranslatableRequestError extends Error {}

export function toAnthropicRequest(request: ChatCompletionRequest, model: string, defaultMaxTokens: number) {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const append = (role: AnthropicMessage['role'], blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const previous = messages.at(-1);
    // The API wants user/assistant turns; consecutive same-role messages become one turn.
    if (previous?.role === role) previous.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    if (message.role === 'system' || message.role === 'developer') system.push(plainText(message.content));
    else if (message.role === 'tool') {
      const content = plainText(message.content);
      append('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id ?? '', content }]);
    } else if (message.role === 'assistant') append('assistant', assistantBlocks(message));
    else append('user', contentBlocks(message.content));
  }
  const out: AnthropicRequest = {
    model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens,
    messages,
  };
  if (system.length > 0) out.system = system.join('\n\n');
  // OpenAI's temperature range is 0–2, Anthropic's 0–1.
  if (request.temperature !== undefined) out.temperature = Math.min(1, Math.max(0, request.temperature));
  if (request.top_p !== undefined) out.top_p = request.top_p;
  if (request.stop !== undefined)
    out.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.user !== undefined) out.metadata = { user_id: request.user };
  if (request.tools && request.tools.length > 0) {
    out.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = request.tool_choice;
  if (choice === 'auto' || choice === 'none') out.tool_choice = { type: choice };
  else if (choice === 'required') out.tool_choice = { type: 'any' };
  else if (typeof choice === 'object') out.tool_choice = { type: 'tool', name: choice.function.name };
  return out;
}

function plainText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function contentBlocks(content: string | ContentPart[] | null): AnthropicBlock[] {
  // The API rejects empty text blocks.
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return (content ?? []).flatMap((part): AnthropicBlock[] => {
    if (part.type === 'text') return part.text === '' ? [] : [{ type: 'text', text: part.text }];
    const url = part.image_url.url;
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (data) return [{ type: 'image', source: { type: 'base64', media_type: data[1]!, data: data[2]! } }];
    return [{ type: 'image', source: { type: 'url', url } }];
  });
}

function assistantBlocks(message: ChatMessage): AnthropicBlock[] {
  const blocks = contentBlocks(message.content);
  for (const call of message.tool_calls ?? []) {
    let input: unknown;
    try {
      input = JSON.parse(call.function.arguments || '{}');
    } catch {
      throw new UntranslatableRequestError(`tool call ${call.id} has arguments that are not JSON`);
    }
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  }
  return blocks;
}

export function finishReasonOf(stopReason: unknown): FinishReason | null {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return stopReason === null || stopReason === undefined ? null : 'stop';
  }
}

type Json = Record<string, unknown>;
const num = (value: unknown) => (typeof value === 'number' ? value : 0);

/** Cached prompt tokens are still prompt tokens for accounting. */
function promptTokens(usage: Json): number {
  return (
    num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + num(usage.cache_read_input_tokens)
  );
}

function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A complete Messages API answer as a chat completion; undefined when it is not one. */
export function fromAnthropicMessage(message: unknown, createdSeconds: number): ChatCompletion | undefined {
  if (!isJson(message) || !Array.isArray(message.content) || !isJson(message.usage)) return undefined;
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (!isJson(block)) return undefined;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    if (block.type === 'tool_use') {
      const call = { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) };
      toolCalls.push({ id: String(block.id), type: 'function', function: call });
    }
  }
  const assistant: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
  return {
    id: String(message.id ?? ''),
    object: 'chat.completion',
    created: createdSeconds,
    model: String(message.model ?? ''),
    choices: [
      { index: 0, message: assistant, finish_reason: finishReasonOf(message.stop_reason), logprobs: null },
    ],
    usage: usageOf(promptTokens(message.usage), num(message.usage.output_tokens)),
  };
}

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A mid-stream `error` event, surfaced with the Anthropic error type. */
export class AnthropicStreamError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns Messages API stream events into OpenAI chunks. The role is sent with the first content
 * rather than on `message_start`, so an error before any content still allows failover.
 */
export class AnthropicStreamTranslator {
  finished = false;
  private id = '';
  private model = '';
  private prompt = 0;
  private completion = 0;
  private roleSent = false;
  private readonly toolIndexByBlock = new Map<number, number>();

  constructor(private readonly createdSeconds: number) {}

  translate(type: string, data: Json): ChatCompletionChunk[] {
    switch (type) {
      case 'message_start': {
        const message = isJson(data.message) ? data.message : {};
        this.id = String(message.id ?? '');
        this.model = String(message.model ?? '');
        const usage = isJson(message.usage) ? message.usage : {};
        this.prompt = promptTokens(usage);
        this.completion = num(usage.output_tokens);
        return [];
      }
      case 'content_block_start': {
        const block = isJson(data.content_block) ? data.content_block : {};
        if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          return [this.chunk({ content: block.text })];
        }
        if (block.type !== 'tool_use') return [];
        const index = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(num(data.index), index);
        const fn = { name: String(block.name), arguments: '' };
        return [
          this.chunk({ tool_calls: [{ index, id: String(block.id), type: 'function', function: fn }] }),
        ];
      }
      case 'content_block_delta': {
        const delta = isJson(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta') return [this.chunk({ content: String(delta.text ?? '') })];
        const index = this.toolIndexByBlock.get(num(data.index));
        if (delta.type !== 'input_json_delta' || index === undefined) return [];
        return [
          this.chunk({ tool_calls: [{ index, function: { arguments: String(delta.partial_json ?? '') } }] }),
        ];
      }
      case 'message_delta': {
        const usage = isJson(data.usage) ? data.usage : {};
        // output_tokens in message_delta is the cumulative count.
        if (typeof usage.output_tokens === 'number') this.completion = usage.output_tokens;
        if (typeof usage.input_tokens === 'number') this.prompt = promptTokens(usage);
        const reason = finishReasonOf(isJson(data.delta) ? data.delta.stop_reason : undefined);
        return reason === null ? [] : [this.chunk({}, reason)];
      }
      case 'message_stop':
        this.finished = true;
        return [{ ...this.chunk({}), choices: [], usage: usageOf(this.prompt, this.completion) }];
      case 'error': {
        const error = isJson(data.error) ? data.error : {};
        throw new AnthropicStreamError(
          String(error.type ?? 'api_error'),
          String(error.message ?? 'stream error'),
        );
      }
      default:
        // ping, content_block_stop, and event types added later carry nothing to translate.
        return [];
    }
  }

  private chunk(
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk {
    const withRole = this.roleSent ? delta : { role: 'assistant' as const, ...delta };
    this.roleSent = true;
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.createdSeconds,
      model: this.model,
      choices: [{ index: 0, delta: withRole, finish_reason: finishReason }],
      usage: null,
    };
  }
}
