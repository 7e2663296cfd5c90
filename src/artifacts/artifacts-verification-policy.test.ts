import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { BuildStatus } from '../db/tables.js';
import { isoString } from '../infra/clock.js';
import {
  type CheckResult,
  FIRST_RETRY_DELAY_MS,
  httpStatusResult,
  isDefinitiveHttpFailure,
  retryDelayMs,
  verificationOutcome,
} from './artifacts-verification-policy.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 1, 7, 12, 0, 0);
const schedule = { retries: true, capMs: HOUR };

describe('retryDelayMs', () => {
  it('doubles from one minute and stops at the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 50].map((attempt) => retryDelayMs(attempt, HOUR) / MINUTE),
      [1, 2, 4, 8, 16, 32, 60, 60, 60],
    );
    assert.equal(retryDelayMs(1, 10_000), 10_000, 'an interval shorter than a minute caps the first retry');
  });

  it('never shrinks from one attempt to the next, never exceeds the cap, is always positive', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 31 * 24 * HOUR }),
        fc.integer({ min: 1, max: 10 * MINUTE }),
        (attempt, capMs, firstMs) => {
          const delay = retryDelayMs(attempt, capMs, firstMs);
          const next = retryDelayMs(attempt + 1, capMs, firstMs);
          assert.ok(Number.isFinite(delay) && delay > 0);
          assert.ok(next >= delay, `attempt ${attempt}: ${next} < ${delay}`);
          assert.ok(delay <= capMs);
          // Doubling until the cap: either the cap or exactly first × 2^(attempt−1).
          assert.ok(delay === capMs || delay === firstMs * 2 ** (attempt - 1));
        },
      ),
    );
  });

  it('reaches the cap eventually, whatever the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 31 * 24 * HOUR }), (capMs) => {
        assert.equal(retryDelayMs(64, capMs), capMs);
      }),
    );
  });
});

describe('http statuses', () => {
  it('only 404 and 410 are evidence against the file', () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 599 }), (status) => {
        const result = httpStatusResult(status);
        assert.equal(result.verdict === 'failed', status === 404 || status === 410, String(status));
        assert.equal(isDefinitiveHttpFailure(status), result.verdict === 'failed');
        assert.equal(result.verdict === 'verified', false);
      }),
    );
    assert.deepEqual(httpStatusResult(503), {
      verdict: 'inconclusive',
      reason: 'download URL answered HTTP 503',
    });
  });
});

describe('verificationOutcome', () => {
  const state = (status: BuildStatus, attempts = 0, reason: string | null = null) => ({
    status,
    status_reason: reason,
    verification_attempts: attempts,
  });
  const unreachable: CheckResult = {
    verdict: 'inconclusive',
    reason: 'unreachable: getaddrinfo ENOTFOUND cdn.example.invalid',
  };

  it('keeps a pending build pending, names the reason and the retry time, counts the attempt', () => {
    const outcome = verificationOutcome(state('pending'), unreachable, NOW, schedule);
    const retryAt = isoString(NOW + FIRST_RETRY_DELAY_MS);
    assert.deepEqual(outcome, {
      status: 'pending',
      reason: `unreachable: getaddrinfo ENOTFOUND cdn.example.invalid; retrying at ${retryAt}`,
      attempts: 1,
      nextRetryAt: retryAt,
    });
    const third = verificationOutcome(state('pending', 2), unreachable, NOW, schedule);
    assert.equal(third.nextRetryAt, isoString(NOW + 4 * MINUTE));
    assert.equal(third.attempts, 3);
  });

  it('never demotes a verified build on an inconclusive check, and records what happened', () => {
    const outcome = verificationOutcome(state('verified', 0, 'reachable'), unreachable, NOW, schedule);
    assert.equal(outcome.status, 'verified');
    assert.equal(outcome.decidedAt, undefined, 'verified_at stays the time of the conclusive check');
    assert.match(outcome.reason, /^unreachable: getaddrinfo ENOTFOUND/);
  });

  it('keeps a failed build failed with the reason it failed for', () => {
    const outcome = verificationOutcome(
      state('failed', 0, 'download URL answered HTTP 404'),
      unreachable,
      NOW,
      schedule,
    );
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.reason, 'download URL answered HTTP 404');
    assert.equal(outcome.attempts, 1);
    assert.ok(outcome.nextRetryAt !== null);
  });

  it('promises no retry when nothing will run it', () => {
    const outcome = verificationOutcome(state('pending'), unreachable, NOW, { retries: false, capMs: HOUR });
    assert.equal(outcome.nextRetryAt, null);
    assert.equal(outcome.reason, unreachable.reason);
    assert.equal(outcome.attempts, 1);
  });

  it('a conclusive check decides the status now and clears the schedule', () => {
    const checks: CheckResult[] = [
      { verdict: 'verified', detail: 'reachable, 3000 bytes as expected' },
      { verdict: 'failed', reason: 'download URL answered HTTP 410' },
    ];
    for (const result of checks) {
      fc.assert(
        fc.property(
          fc.constantFrom<BuildStatus>('pending', 'verified', 'failed'),
          fc.nat(100),
          (status, attempts) => {
            const outcome = verificationOutcome(state(status, attempts, 'before'), result, NOW, schedule);
            assert.equal(outcome.status, result.verdict);
            assert.equal(outcome.decidedAt, isoString(NOW));
            assert.equal(outcome.attempts, 0);
            assert.equal(outcome.nextRetryAt, null);
          },
        ),
      );
    }
  });

  it('an inconclusive check never changes the status and always retries later, within the cap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BuildStatus>('pending', 'verified', 'failed'),
        fc.nat(1000),
        fc.integer({ min: 10_000, max: 31 * 24 * HOUR }),
        (status, attempts, capMs) => {
          const outcome = verificationOutcome(state(status, attempts, 'x'), unreachable, NOW, {
            retries: true,
            capMs,
          });
          assert.equal(outcome.status, status);
          assert.equal(outcome.attempts, attempts + 1);
          const retryAt = Date.parse(outcome.nextRetryAt as string);
          assert.ok(retryAt > NOW && retryAt <= NOW + capMs);
        },
      ),
    );
  });
});
