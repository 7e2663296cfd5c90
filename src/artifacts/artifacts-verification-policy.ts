/**
 * What a verification check means for a build. Only definitive evidence about the file fails a
 * build: the host says it is gone (404/410), or its size or checksum differs. Everything else — a
 * name that does not resolve, a refused or reset connection, a timeout, 5xx, 429, 401/403, the SSRF
 * guard refusing an address — says something about the network or the host today, not about the
 * file, so the build keeps its status (a `pending` build stays offered to clients) and is tried again
 * with exponential backoff. Pure, so that the rules and the schedule are tested on their own.
 */
import type { BuildStatus } from '../db/tables.js';
import { isoString } from '../infra/clock.js';

export type CheckResult =
  | { verdict: 'verified'; detail: string }
  | { verdict: 'failed'; reason: string }
  | { verdict: 'inconclusive'; reason: string };

/** The wait before the first retry; each further one doubles it, up to the verification interval. */
export const FIRST_RETRY_DELAY_MS = 60_000;

/** HTTP answers that say the file is not there. Any other error status says nothing about the file. */
export function isDefinitiveHttpFailure(status: number): boolean {
  return status === 404 || status === 410;
}

/** The result of a download host's HTTP status (after redirects): a failure, or nothing conclusive. */
export function httpStatusResult(status: number): CheckResult {
  const reason = `download URL answered HTTP ${status}`;
  return isDefinitiveHttpFailure(status)
    ? { verdict: 'failed', reason }
    : { verdict: 'inconclusive', reason };
}

/** Delay before retry number `attempt` (1-based): 1 min, 2, 4 … and never longer than `capMs`. */
export function retryDelayMs(attempt: number, capMs: number, firstMs = FIRST_RETRY_DELAY_MS): number {
  // 2^40 minutes is beyond any cap; stopping there keeps the arithmetic finite.
  const doublings = Math.min(Math.max(Math.floor(attempt), 1) - 1, 40);
  return Math.min(capMs, firstMs * 2 ** doublings);
}

export interface VerificationState {
  status: BuildStatus;
  status_reason: string | null;
  verification_attempts: number;
}

export interface VerificationOutcome {
  status: BuildStatus;
  reason: string;
  /** Set when this check decided the status (it becomes `verified_at`); absent when it kept it. */
  decidedAt?: string;
  /** Inconclusive checks in a row (0 after a conclusive one). */
  attempts: number;
  /** When to check again; null when no retry is scheduled. */
  nextRetryAt: string | null;
}

/**
 * The build's state after a check. A conclusive result decides the status and clears the retry
 * schedule. An inconclusive one keeps the status — a `verified` build is not demoted, a `pending`
 * one stays offered — and schedules the next try. A `failed` build keeps the reason it failed for
 * (the definitive evidence an admin needs); others record what this check ran into.
 */
export function verificationOutcome(
  previous: VerificationState,
  result: CheckResult,
  nowMs: number,
  schedule: { retries: boolean; capMs: number },
): VerificationOutcome {
  const now = isoString(nowMs);
  if (result.verdict === 'verified') {
    return { status: 'verified', reason: result.detail, decidedAt: now, attempts: 0, nextRetryAt: null };
  }
  if (result.verdict === 'failed') {
    return { status: 'failed', reason: result.reason, decidedAt: now, attempts: 0, nextRetryAt: null };
  }
  const attempts = previous.verification_attempts + 1;
  const nextRetryAt = schedule.retries ? isoString(nowMs + retryDelayMs(attempts, schedule.capMs)) : null;
  const reason =
    previous.status === 'failed' && previous.status_reason !== null
      ? previous.status_reason
      : nextRetryAt === null
        ? result.reason
        : `${result.reason}; retrying at ${nextRetryAt}`;
  return { status: previous.status, reason, attempts, nextRetryAt };
}
