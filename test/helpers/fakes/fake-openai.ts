/**
 * A fake OpenAI Chat Completions server (also used as LM Studio and as any OpenAI-compatible
 * server): `/v1/chat/completions` as JSON or SSE with `[DONE]` and the `stream_options.include_usage`
 * usage chunk, `/v1/models`, OpenAI error bodies, and the scripted failures of `fake-server.ts`.
 */
import {
  type FakeExchange,
  type FakeServer,
  type FakeServerOptions,
  replyDeltas,
  sseFrame,
  startFakeServer,
} from './fake-server.js';

export interface FakeOpenAIOptions extends FakeServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  models?: string[];
  reply?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export const FAKE_REPLY = 'Semantic versioning uses MAJOR.MINOR.PATCH numbers.';
export const FAKE_USAGE = { prompt_tokens: 17, completion_tokens: 9 };
export const FAKE_TOOL_ARGUMENTS = '{"city":"Paris","unit":"celsius"}';

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: Array<{ function: { name: string } }>;
}

/** Builds OpenAI-format answers; the Azure fake reuses it with its own extras. */
export function openAIAnswers(
  options: FakeOpenAIOptions,
  extras: { chunkExtras?: Record<string, unknown> } = {},
) {
  const reply = options.reply ?? FAKE_REPLY;
  const usage = options.usage ?? FAKE_USAGE;
  const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const base = (body: ChatBody) => ({
    id: 'chatcmpl-fake123',
    created: 1_770_000_000,
    model: body.model ?? 'fake-model',
  });

  function toolCall(exchange: FakeExchange, body: ChatBody) {
    const behaviour = exchange.request.behaviour;
    if (behaviour.kind !== 'tool-call') return undefined;
    const name = body.tools?.[0]?.function.name ?? 'tool';
    const args = behaviour.arguments ?? FAKE_TOOL_ARGUMENTS;
    return { id: 'call_fake1', type: 'function' as const, function: { name, arguments: args } };
  }

  return {
    completion(exchange: FakeExchange, body: ChatBody) {
      const call = toolCall(exchange, body);
      const message = call
        ? { role: 'assistant', content: null, tool_calls: [call], refusal: null }
        : { role: 'assistant', content: reply, refusal: null };
      const answer: Record<string, unknown> = {
        ...base(body),
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: call ? 'tool_calls' : 'stop' }],
        system_fingerprint: 'fp_fake',
      };
      if (exchange.request.behaviour.kind !== 'no-usage') answer.usage = fullUsage;
      return answer;
    },

    streamFrames(exchange: FakeExchange, body: ChatBody): string[] {
      const behaviour = exchange.request.behaviour.kind;
      const includeUsage = body.stream_options?.include_usage === true && behaviour !== 'no-usage';
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        sseFrame({
          ...base(body),
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...extras.chunkExtras }],
          ...(includeUsage ? { usage: null } : {}),
        });
      const frames = [': keep-alive\n\n', chunk({ role: 'assistant', content: '', refusal: null })];
      const call = toolCall(exchange, body);
      if (call) {
        const { arguments: args, name } = call.function;
        const half = Math.floor(args.length / 2);
        frames.push(
          chunk({
            tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name, arguments: '' } }],
          }),
        );
        frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }));
        frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }));
      } else {
        for (const [index, word] of replyDeltas(reply).entries()) {
          frames.push(chunk({ content: word }));
          if (index === 0 && behaviour === 'stream-error') {
            frames.push(sseFrame({ error: { message: 'The server had an error', type: 'server_error' } }));
            return frames;
          }
          if (index === 0 && behaviour === 'invalid-json')
            frames.push('data: {"id": "chatcmpl-fake123", "choi\n\n');
        }
      }
      frames.push(chunk({}, call ? 'tool_calls' : 'stop'));
      if (includeUsage)
        frames.push(
          sseFrame({ ...base(body), object: 'chat.completion.chunk', choices: [], usage: fullUsage }),
        );
      frames.push('data: [DONE]\n\n');
      return frames;
    },
  };
}

export function openAIError(status: number, message: string) {
  const type =
    status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
}

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  const answers = openAIAnswers(options);
  const models = options.models ?? ['gpt-4o-mini', 'gpt-4o'];
  return startFakeServer(async (exchange) => {
    const { request } = exchange;
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return exchange.json(401, openAIError(401, 'Incorrect API key provided'));
    }
    const behaviour = request.behaviour;
    if (behaviour.kind === 'status') {
      return exchange.json(
        behaviour.status,
        openAIError(behaviour.status, behaviour.message ?? 'failure'),
        behaviour.headers,
      );
    }
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' }));
      return exchange.json(200, { object: 'list', data });
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return exchange.json(404, openAIError(404, `Unknown request URL: ${request.method} ${request.path}`));
    }
    const body = (request.body ?? {}) as ChatBody;
    if (body.stream === true) return exchange.writeEvents(answers.streamFrames(exchange, body));
    if (behaviour.kind === 'invalid-json')
      return exchange.json(200, '{"id": "chatcmpl-fake123", "choices": [');
    return exchange.json(200, answers.completion(exchange, body));
  }, options);
}
