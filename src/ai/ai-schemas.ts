/**
 * Schemas of the reference's AI endpoints (`/ai/status`, `/ai/chat`, `/ai/analyze-changelog`).
 * The OpenAI-compatible endpoints have theirs in `openai-compat-schemas.ts`.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { MODEL_TEXT_PATTERN } from '../http/input-rules.js';

const modelName = Type.String({ minLength: 1, maxLength: 200, description: 'A model or model alias' });
// Null first: with type coercion on, a number branch tried first would turn null into 0.
const nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

export const UsageSchema = Type.Object(
  {
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    total_tokens: Type.Integer(),
    estimated: Type.Optional(
      Type.Boolean({ description: 'Present (true) only when the provider reported no usage' }),
    ),
  },
  { description: 'Tokens of this call, as the provider reported them' },
);

const LastError = Type.Object({
  kind: Type.String({ description: 'connect, timeout, rate_limited, server, client or invalid_response' }),
  at: Type.String({ format: 'date-time' }),
});

const ProviderStatusSchema = Type.Object({
  name: Type.String(),
  available: Type.Boolean({ description: 'Healthy and not cooling down: it takes requests now' }),
  models: Type.Array(Type.String()),
  healthy: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'Result of the last health check; null before the first',
  }),
  aliases: Type.Array(Type.String()),
  priority: Type.Number(),
  weight: Type.Number(),
  in_flight: Type.Integer(),
  max_concurrency: Type.Integer({
    description: 'Calls it takes at once (AI_PROVIDER_MAX_CONCURRENCY or its own maxConcurrency)',
  }),
  queued: Type.Integer({ description: 'Requests waiting now for one of its slots' }),
  queue_rejections: Type.Integer({
    description: 'Requests refused after waiting AI_QUEUE_TIMEOUT_MS for one of its slots, since start',
  }),
  requests: Type.Integer(),
  successes: Type.Integer(),
  errors: Type.Integer(),
  avg_latency_ms: nullable(Type.Number()),
  cooldown_until: nullable(Type.String({ format: 'date-time' })),
  last_error: Type.Union([LastError, Type.Null()]),
  last_health_check_at: nullable(Type.String({ format: 'date-time' })),
});

export const AiStatusResponse = Type.Object(
  {
    enabled: Type.Boolean({ description: 'At least one provider is configured' }),
    strategy: Type.String({ description: 'priority, round-robin, least-loaded or fastest' }),
    providers: Type.Array(ProviderStatusSchema),
  },
  {
    examples: [
      {
        enabled: true,
        strategy: 'priority',
        providers: [
          {
            name: 'lmstudio',
            available: true,
            models: ['llama-3.1-8b-instruct'],
            healthy: true,
            aliases: [],
            priority: 0,
            weight: 1,
            in_flight: 0,
            max_concurrency: 1024,
            queued: 0,
            queue_rejections: 0,
            requests: 12,
            successes: 12,
            errors: 0,
            avg_latency_ms: 840,
            cooldown_until: null,
            last_error: null,
            last_health_check_at: '2026-01-05T10:00:00.000Z',
          },
        ],
      },
    ],
  },
);

const ChatMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String({ maxLength: 1_000_000, pattern: MODEL_TEXT_PATTERN }),
  },
  { additionalProperties: false },
);

export const AiChatBody = Type.Object(
  {
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 1000 }),
    temperature: Type.Optional(
      Type.Number({ minimum: 0, maximum: 2, default: 0.7, description: 'Response randomness' }),
    ),
    max_tokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: 2000,
        description: 'Maximum response length; capped by the gateway configuration',
      }),
    ),
    stream: Type.Optional(Type.Boolean({ default: false, description: 'Answer as server-sent events' })),
    model: Type.Optional(modelName),
  },
  {
    additionalProperties: false,
    examples: [
      {
        messages: [{ role: 'user', content: 'Explain semantic versioning' }],
        temperature: 0.7,
        max_tokens: 500,
        stream: false,
        model: 'gpt-4',
      },
    ],
  },
);
export type AiChatBody = Static<typeof AiChatBody>;

export const AiChatResponse = Type.Object(
  {
    response: Type.String(),
    model: Type.String(),
    provider: Type.String(),
    tokens_used: Type.Integer(),
    processing_time_ms: Type.Integer(),
    finish_reason: nullable(Type.String()),
    usage: UsageSchema,
  },
  {
    description:
      'With `stream: true` the answer is `text/event-stream` instead: `event: delta` frames ' +
      '`{"content": "…"}`, then one `event: done` frame `{"model","provider","tokens_used","processing_time_ms","usage"}`. ' +
      'A failure after the first frame ends the stream with `event: error` carrying the error envelope.',
    examples: [
      {
        response: 'Semantic versioning (SemVer) is a versioning scheme...',
        model: 'gpt-4',
        provider: 'openai',
        tokens_used: 156,
        processing_time_ms: 1247,
        finish_reason: 'stop',
        usage: { prompt_tokens: 12, completion_tokens: 144, total_tokens: 156 },
      },
    ],
  },
);

export const AnalyzeChangelogBody = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 100 }),
    changelog: Type.String({ minLength: 1, maxLength: 200_000 }),
    previous_version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Lets a major version bump count as breaking',
      }),
    ),
    model: Type.Optional(modelName),
  },
  {
    additionalProperties: false,
    examples: [
      {
        version: '1.2.0',
        changelog: '- Fixed memory leak\n- Added dark mode\n- Breaking: Removed Node 14 support',
      },
    ],
  },
);
export type AnalyzeChangelogBody = Static<typeof AnalyzeChangelogBody>;

export const AnalyzeChangelogResponse = Type.Object(
  {
    version: Type.String(),
    analysis: Type.String(),
    breaking: Type.Boolean(),
    severity: Type.Union([Type.Literal('major'), Type.Literal('minor'), Type.Literal('patch')]),
    source: Type.Union([Type.Literal('ai'), Type.Literal('heuristic')], {
      description: '`ai` when a model answered with a valid analysis, else `heuristic` (deterministic rules)',
    }),
    model: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String()),
    tokens_used: Type.Optional(Type.Integer()),
  },
  {
    examples: [
      {
        version: '1.2.0',
        analysis:
          'This update fixes a memory leak, adds dark mode, and drops Node.js 14 (requires Node 16+).',
        breaking: true,
        severity: 'major',
        source: 'ai',
        model: 'gpt-4o-mini',
        provider: 'openai',
        tokens_used: 212,
      },
    ],
  },
);
