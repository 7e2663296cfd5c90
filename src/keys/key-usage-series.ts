/**
 * Usage over time from the stored buckets (`api_key_usage_buckets`): one answer holds every point of
 * a chart, columnar (one array per measure) so that a chart takes it as it is, plus each key's totals
 * and requests per point for sparklines.
 */
import { type Static, Type } from 'typebox';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import { ADMIN_CALLER } from './caller.js';
import type { KeyUsageTracker } from './key-usage.js';
import type { KeysRepo, UsageBucketRow } from './keys-repo.js';
import { emptyHistogram, LATENCY_COLUMNS, latencyQuantile } from './latency-histogram.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const USAGE_RANGES = {
  '1h': { step: '5min', points: 12 },
  '24h': { step: 'hour', points: 24 },
  '7d': { step: 'hour', points: 168 },
  '30d': { step: 'day', points: 30 },
  '90d': { step: 'day', points: 90 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

const counts = Type.Array(Type.Integer());
const millis = Type.Array(Type.Union([Type.Number(), Type.Null()]), {
  description: 'Estimated from a histogram of durations; null where nothing was counted',
});

export const UsageQuery = Type.Object(
  {
    range: Type.Union(
      Object.keys(USAGE_RANGES).map((r) => Type.Literal(r)),
      {
        default: '24h',
        description: '`1h` by 5 minutes, `24h` and `7d` by hour, `30d` and `90d` by day (UTC)',
      },
    ),
    key_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'One key (its id, or `admin`); every key when omitted',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UsageResponse = Type.Object({
  range: Type.String(),
  step: Type.Union([Type.Literal('5min'), Type.Literal('hour'), Type.Literal('day')]),
  from: Type.String({ format: 'date-time', description: 'Start of the first point' }),
  to: Type.String({
    format: 'date-time',
    description: 'End of the last point (the current 5 minutes, hour or day)',
  }),
  key_id: Type.Union([Type.String(), Type.Null()]),
  totals: Type.Object({
    requests: Type.Integer(),
    errors: Type.Integer(),
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    p50_ms: Type.Union([Type.Number(), Type.Null()]),
    p99_ms: Type.Union([Type.Number(), Type.Null()]),
  }),
  series: Type.Object(
    {
      t: Type.Array(Type.Integer(), { description: 'Start of each point, Unix seconds' }),
      requests: counts,
      errors: counts,
      tokens: Type.Array(Type.Integer(), { description: 'Prompt and completion tokens' }),
      p50_ms: millis,
      p99_ms: millis,
    },
    { description: 'One array per measure, aligned with `t`' },
  ),
  keys: Type.Array(
    Type.Object({
      key_id: Type.String(),
      name: Type.String({ description: 'The key’s name (`admin` for the admin key)' }),
      requests: Type.Integer(),
      errors: Type.Integer(),
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      requests_series: Type.Array(Type.Integer(), {
        description: 'Requests per point, aligned with `series.t`',
      }),
    }),
    { description: 'Keys used in the range, most requests first' },
  ),
  models: Type.Array(
    Type.Object({
      model: Type.String({ description: 'The model that answered (else the one asked for)' }),
      prompt_tokens: Type.Integer(),
      completion_tokens: Type.Integer(),
      tokens_series: Type.Array(Type.Integer(), { description: 'Tokens per point, aligned with `series.t`' }),
    }),
    { description: 'AI tokens by model in the range (of the key, with `key_id`), most first' },
  ),
});
export type UsageAnswer = Static<typeof UsageResponse>;

export function createKeyUsageSeries(deps: { repo: KeysRepo; usage: KeyUsageTracker; clock: Clock }) {
  const { repo, usage, clock } = deps;
  return {
    async series(range: UsageRange, keyId: string | undefined): Promise<UsageAnswer> {
      // What this instance counted but has not written yet belongs in the answer.
      await usage.flush().catch(() => {});
      const { step, points } = USAGE_RANGES[range];
      const stepMs = step === '5min' ? 300_000 : step === 'hour' ? HOUR_MS : DAY_MS;
      const now = clock.now();
      const last = now - (now % stepMs);
      const from = last - (points - 1) * stepMs;
      const to = last + stepMs;
      const window = { from: isoString(from), to: isoString(to), ...(keyId ? { keyId } : {}) };
      const [rows, keys, modelRows] = await Promise.all([
        repo.usageBuckets(window),
        repo.list({ includeRevoked: true }),
        repo.modelTokens(window),
      ]);
      const names = new Map(keys.map((k) => [k.id, k.name]));
      names.set(ADMIN_CALLER.id, ADMIN_CALLER.name);

      const zeros = () => new Array<number>(points).fill(0);
      const requests = zeros();
      const errors = zeros();
      const tokens = zeros();
      const histograms = Array.from({ length: points }, emptyHistogram);
      const whole = emptyHistogram();
      const totals = { requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0 };
      const perKey = new Map<string, UsageAnswer['keys'][number]>();
      for (const row of rows) {
        const index = Math.floor((Date.parse(row.starts_at) - from) / stepMs);
        if (index < 0 || index >= points) continue;
        const n = numbers(row);
        requests[index]! += n.requests;
        errors[index]! += n.errors;
        tokens[index]! += n.prompt_tokens + n.completion_tokens;
        LATENCY_COLUMNS.forEach((column, i) => {
          histograms[index]![i]! += Number(row[column]);
          whole[i]! += Number(row[column]);
        });
        totals.requests += n.requests;
        totals.errors += n.errors;
        totals.prompt_tokens += n.prompt_tokens;
        totals.completion_tokens += n.completion_tokens;
        let key = perKey.get(row.key_id);
        if (key === undefined) {
          key = {
            key_id: row.key_id,
            name: names.get(row.key_id) ?? row.key_id,
            requests: 0,
            errors: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            requests_series: zeros(),
          };
          perKey.set(row.key_id, key);
        }
        key.requests += n.requests;
        key.errors += n.errors;
        key.prompt_tokens += n.prompt_tokens;
        key.completion_tokens += n.completion_tokens;
        key.requests_series[index]! += n.requests;
      }
      const models = new Map<string, UsageAnswer['models'][number]>();
      for (const row of modelRows) {
        const index = Math.floor((Date.parse(row.starts_at) - from) / stepMs);
        if (index < 0 || index >= points) continue;
        let model = models.get(row.model);
        if (model === undefined) {
          model = { model: row.model, prompt_tokens: 0, completion_tokens: 0, tokens_series: zeros() };
          models.set(row.model, model);
        }
        const prompt = Number(row.prompt_tokens);
        const completion = Number(row.completion_tokens);
        model.prompt_tokens += prompt;
        model.completion_tokens += completion;
        model.tokens_series[index]! += prompt + completion;
      }
      const byTokens = (m: UsageAnswer['models'][number]) => m.prompt_tokens + m.completion_tokens;
      return {
        range,
        step,
        from: isoString(from),
        to: isoString(to),
        key_id: keyId ?? null,
        totals: { ...totals, p50_ms: latencyQuantile(whole, 0.5), p99_ms: latencyQuantile(whole, 0.99) },
        series: {
          t: Array.from({ length: points }, (_, i) => (from + i * stepMs) / 1000),
          requests,
          errors,
          tokens,
          p50_ms: histograms.map((h) => latencyQuantile(h, 0.5)),
          p99_ms: histograms.map((h) => latencyQuantile(h, 0.99)),
        },
        keys: [...perKey.values()].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name)),
        models: [...models.values()].sort(
          (a, b) => byTokens(b) - byTokens(a) || a.model.localeCompare(b.model),
        ),
      };
    },
  };
}

/** Counters come back as strings from PostgreSQL's bigint columns. */
function numbers(row: UsageBucketRow) {
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
  };
}

export type KeyUsageSeries = ReturnType<typeof createKeyUsageSeries>;
