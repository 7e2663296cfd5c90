/**
 * How provider failures reach API clients: as `AppError`s with the gateway's codes, carrying which
 * providers were tried and how each failed (never upstream messages, which may reveal internals).
 */
import { AppError } from '../errors.js';
import { ProviderError } from './providers/provider.js';

export interface FailedAttempt {
  provider: string;
  kind: ProviderError['kind'];
  status?: number;
}

/** Anything a (custom) provider throws, as a `ProviderError`. */
export function asProviderError(error: unknown, provider: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(provider, 'server', `provider failed: ${message}`, { cause: error });
}

export function attemptOf(error: ProviderError): FailedAttempt {
  return error.status === undefined
    ? { provider: error.provider, kind: error.kind }
    : { provider: error.provider, kind: error.kind, status: error.status };
}

export function abortedError(cause?: unknown): AppError {
  return new AppError(
    'AI_PROVIDER_ERROR',
    'The request was aborted before the provider answered',
    { kind: 'aborted' },
    { cause },
  );
}

/** No provider can take the request now; `retryAfterMs` says when one may again. */
export function unavailableError(
  message: string,
  retryAfterMs: number | undefined,
  details?: Record<string, unknown>,
) {
  const headers =
    retryAfterMs === undefined
      ? undefined
      : { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
  return new AppError('AI_UNAVAILABLE', message, details, { headers });
}

/** Every provider that could serve the request stayed at its concurrency limit for the whole wait. */
export function atCapacityError(providers: string[], queueTimeoutMs: number): AppError {
  return unavailableError(
    `Every AI provider serving this request is at its concurrency limit; no slot became free within ${queueTimeoutMs} ms`,
    1_000,
    { reason: 'at_capacity', providers, queue_timeout_ms: queueTimeoutMs },
  );
}

/** The error after the last attempt failed (or one failed in a way no other provider can fix). */
export function failedError(attempts: FailedAttempt[], last: ProviderError): AppError {
  const details = { attempts };
  if (attempts.length > 0 && attempts.every((attempt) => attempt.kind === 'rate_limited')) {
    return unavailableError('Every AI provider is rate limited', last.retryAfterMs, details);
  }
  if (last.kind === 'timeout') {
    return new AppError('UPSTREAM_TIMEOUT', `AI provider ${last.provider} did not answer in time`, details, {
      cause: last,
    });
  }
  const what = last.kind === 'invalid_response' ? 'an invalid response' : 'an error';
  return new AppError('AI_PROVIDER_ERROR', `AI provider ${last.provider} answered with ${what}`, details, {
    cause: last,
  });
}

/** A failure after chunks reached the caller: no failover is possible any more. */
export function midStreamError(error: ProviderError): AppError {
  const details = { provider: error.provider, kind: error.kind, after_first_chunk: true };
  if (error.kind === 'timeout') {
    return new AppError(
      'UPSTREAM_TIMEOUT',
      `AI provider ${error.provider} stopped answering mid-stream`,
      details,
      { cause: error },
    );
  }
  return new AppError('AI_PROVIDER_ERROR', `AI provider ${error.provider} failed mid-stream`, details, {
    cause: error,
  });
}
