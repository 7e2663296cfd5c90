import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import type { RateLimitDecision } from '../rate-limit/rate-limit-store.js';

export interface AppliedLimit {
  /** The policy name: `key`, `ip`, `ai`, `unauthenticated`, `key-issuance`. */
  policy: string;
  decision: RateLimitDecision;
}

/** Where headers go when there is no Fastify reply (the fast lane). */
export interface HeaderSink {
  header(name: string, value: string | number): unknown;
}

/** The limit closest to running out: fewest remaining, then the latest reset. */
export function mostRestrictive(applied: readonly AppliedLimit[]): AppliedLimit | undefined {
  let worst: AppliedLimit | undefined;
  for (const limit of applied) {
    if (
      worst === undefined ||
      limit.decision.remaining < worst.decision.remaining ||
      (limit.decision.remaining === worst.decision.remaining &&
        limit.decision.resetAtMs > worst.decision.resetAtMs)
    ) {
      worst = limit;
    }
  }
  return worst;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * `X-RateLimit-*` for the most restrictive limit (Reset in Unix seconds, as the reference shows), and
 * the IETF fields: `RateLimit-Policy` lists every policy that applied, `RateLimit` the most
 * restrictive one's remaining quota and seconds until reset.
 */
export function setRateLimitHeaders(
  reply: Pick<FastifyReply, 'header'> | HeaderSink,
  applied: readonly AppliedLimit[],
  nowMs: number,
): void {
  const worst = mostRestrictive(applied);
  if (worst === undefined) return;
  const { decision, policy } = worst;
  reply.header('x-ratelimit-limit', decision.limit);
  reply.header('x-ratelimit-remaining', decision.remaining);
  reply.header('x-ratelimit-reset', seconds(decision.resetAtMs));
  reply.header(
    'ratelimit-policy',
    applied.map((a) => `"${a.policy}";q=${a.decision.limit};w=${seconds(a.decision.windowMs)}`).join(', '),
  );
  reply.header('ratelimit', `"${policy}";r=${decision.remaining};t=${seconds(decision.resetAtMs - nowMs)}`);
}

export function rateLimitExceeded(limit: AppliedLimit): AppError {
  const retryAfter = Math.max(1, seconds(limit.decision.retryAfterMs));
  return new AppError(
    'RATE_LIMIT_EXCEEDED',
    `Rate limit exceeded: ${limit.decision.limit} requests per ${seconds(limit.decision.windowMs)} s (${limit.policy}). Retry after ${retryAfter} s.`,
    {
      policy: limit.policy,
      limit: limit.decision.limit,
      window_seconds: seconds(limit.decision.windowMs),
      retry_after_seconds: retryAfter,
    },
    { headers: { 'retry-after': String(retryAfter) } },
  );
}
