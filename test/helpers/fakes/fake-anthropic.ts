/**
 * A fake Anthropic Messages API: `POST /v1/messages` (with `x-api-key` and `anthropic-version`)
 * answering a message or the event stream (`message_start`, `content_block_start`, `ping`,
 * `content_block_delta`, `content_block_stop`, `message_delta` with usage, `message_stop`, and the
 * mid-stream `error` event), `GET /v1/models`, and Anthropic error bodies.
 */

import { FAKE_REPLY, FAKE_TOOL_ARGUMENTS } from './fake-openai.js';
import {
  type FakeExchange,
  type FakeServer,
  type FakeServerOptions,
  replyDeltas,
  sseFrame,
  startFakeServer,
} from './fake-server.js';

export interface FakeAnthropicOptions extends FakeServerOptions {
  apiKey: string;
  models?: string[];
  reply?: string;
  usage?: { input_tokens: number; output_tokens: number };
}

export const FAKE_ANTHROPIC_USAGE = { input_tokens: 21, output_tokens: 12 };

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name: string }>;
}

export function anthropicError(status: number, message: string) {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    404: 'not_found_error',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return { type: 'error', error: { type: types[status] ?? 'api_error', message } };
}

export function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeServer> {
  const reply = options.reply ?? FAKE_REPLY;
  const usage = options.usage ?? FAKE_ANTHROPIC_USAGE;
  const models = options.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];

  function toolUse(exchange: FakeExchange, body: MessagesBody) {
    const behaviour = exchange.request.behaviour;
    if (behaviour.kind !== 'tool-call') return undefined;
    return {
      id: 'toolu_fake1',
      name: body.tools?.[0]?.name ?? 'tool',
      json: behaviour.arguments ?? FAKE_TOOL_ARGUMENTS,
    };
  }

  function streamFrames(exchange: FakeExchange, body: MessagesBody): string[] {
    const kind = exchange.request.behaviour.kind;
    const model = body.model ?? models[0];
    const event = (type: string, data: Record<string, unknown>) => sseFrame({ type, ...data }, type);
    const startUsage = { input_tokens: usage.input_tokens, output_tokens: 1 };
    const message = {
      id: 'msg_fake123',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage,
    };
    const frames = [event('message_start', { message }), event('ping', {})];
    const call = toolUse(exchange, body);
    if (call) {
      frames.push(
        event('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
        }),
      );
      const half = Math.floor(call.json.length / 2);
      for (const part of [call.json.slice(0, half), call.json.slice(half)]) {
        frames.push(
          event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } }),
        );
      }
    } else {
      frames.push(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      for (const [index, word] of replyDeltas(reply).entries()) {
        frames.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } }));
        if (index === 0 && kind === 'stream-error') {
          frames.push(event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
          return frames;
        }
        if (index === 0 && kind === 'invalid-json')
          frames.push('event: content_block_delta\ndata: {"type": "conte\n\n');
        if (index === 1) frames.push(event('ping', {}));
      }
    }
    frames.push(event('content_block_stop', { index: 0 }));
    const deltaUsage = kind === 'no-usage' ? {} : { output_tokens: usage.output_tokens };
    frames.push(
      event('message_delta', {
        delta: { stop_reason: call ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: deltaUsage,
      }),
    );
    frames.push(event('message_stop', {}));
    return frames;
  }

  function message(exchange: FakeExchange, body: MessagesBody) {
    const call = toolUse(exchange, body);
    const content = call
      ? [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.json) },
        ]
      : [{ type: 'text', text: reply }];
    return {
      id: 'msg_fake123',
      type: 'message',
      role: 'assistant',
      model: body.model ?? models[0],
      content,
      stop_reason: call ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  }

  return startFakeServer(async (exchange) => {
    const { request } = exchange;
    if (request.headers['x-api-key'] !== options.apiKey) {
      return exchange.json(401, anthropicError(401, 'invalid x-api-key'));
    }
    if (request.headers['anthropic-version'] !== '2023-06-01') {
      return exchange.json(400, anthropicError(400, 'anthropic-version: header is required'));
    }
    const behaviour = request.behaviour;
    if (behaviour.kind === 'status') {
      return exchange.json(
        behaviour.status,
        anthropicError(behaviour.status, behaviour.message ?? 'failure'),
        behaviour.headers,
      );
    }
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = models.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2025-09-29T00:00:00Z',
      }));
      return exchange.json(200, { data, has_more: false, first_id: models[0], last_id: models.at(-1) });
    }
    if (request.method !== 'POST' || request.path !== '/v1/messages') {
      return exchange.json(404, anthropicError(404, 'Not found'));
    }
    const body = (request.body ?? {}) as MessagesBody;
    if (body.stream === true) return exchange.writeEvents(streamFrames(exchange, body));
    if (behaviour.kind === 'invalid-json') return exchange.json(200, '{"id": "msg_fake123", "content": [');
    return exchange.json(200, message(exchange, body));
  }, options);
}
