/**
 * Schemas of the OpenAI-compatible endpoints (`/v1/chat/completions`, `/v1/models`): the subset of
 * the Chat Completions API the gateway validates and forwards. Unknown request fields are refused
 * with a 400 naming them (forwarding them unchecked, or dropping them silently, would change what
 * the caller asked for). Messages may carry extra fields because SDK users append the assistant
 * message of a previous answer as is; only the known ones are forwarded.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { MODEL_TEXT_PATTERN } from '../http/input-rules.js';
import { UsageSchema } from './ai-schemas.js';

// Null first: with type coercion on, a number branch tried first would turn null into 0.
const nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

/** Prompt text and tool arguments: passed to the model as sent (see MODEL_TEXT_PATTERN). */
const modelText = () => Type.String({ pattern: MODEL_TEXT_PATTERN });

const ContentPart = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: modelText() }),
  Type.Object({
    type: Type.Literal('image_url'),
    image_url: Type.Object({ url: Type.String({ minLength: 1 }), detail: Type.Optional(Type.String()) }),
  }),
]);

const ToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: modelText() }),
});

const Message = Type.Object({
  role: Type.Union(['system', 'developer', 'user', 'assistant', 'tool'].map((role) => Type.Literal(role))),
  content: Type.Optional(nullable(Type.Union([modelText(), Type.Array(ContentPart)]))),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  tool_calls: Type.Optional(Type.Array(ToolCall, { maxItems: 128 })),
  tool_call_id: Type.Optional(Type.String()),
});

const Tool = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
        strict: Type.Optional(nullable(Type.Boolean())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String() }) }),
]);

export const ChatCompletionsBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    messages: Type.Array(Message, { minItems: 1, maxItems: 1000 }),
    temperature: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    max_tokens: Type.Optional(nullable(Type.Integer({ minimum: 1 }))),
    max_completion_tokens: Type.Optional(nullable(Type.Integer({ minimum: 1 }))),
    stop: Type.Optional(
      nullable(Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 4 })])),
    ),
    tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
    tool_choice: Type.Optional(ToolChoice),
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    stream: Type.Optional(nullable(Type.Boolean())),
    stream_options: Type.Optional(nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }))),
  },
  {
    additionalProperties: false,
    examples: [
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain semantic versioning' }] },
    ],
  },
);
export type ChatCompletionsBody = Static<typeof ChatCompletionsBody>;

const OpenAIUsage = Type.Object({
  ...UsageSchema.properties,
  prompt_tokens_details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  completion_tokens_details: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

export const ChatCompletionResponse = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        message: Type.Object({
          role: Type.Literal('assistant'),
          content: nullable(Type.String()),
          tool_calls: Type.Optional(Type.Array(ToolCall)),
          refusal: Type.Optional(nullable(Type.String())),
        }),
        finish_reason: nullable(Type.String()),
        logprobs: Type.Optional(Type.Unknown()),
      }),
    ),
    usage: OpenAIUsage,
    system_fingerprint: Type.Optional(nullable(Type.String())),
  },
  {
    description:
      'With `stream: true` the answer is `text/event-stream` in the OpenAI framing: `data: {chat.completion.chunk}` ' +
      'frames, then `data: [DONE]`. The usage chunk (empty `choices`) is sent only with ' +
      '`stream_options.include_usage`. A failure after the first frame sends `data: {"error": {…}}` and closes ' +
      'without `[DONE]`.',
  },
);

export const ModelListResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      object: Type.Literal('model'),
      created: Type.Integer(),
      owned_by: Type.String({ description: 'The preferred provider serving this model' }),
    }),
  ),
});
