import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createManualClock } from '../infra/clock.js';
import { createDownloadTokens } from './download-tokens.js';

const HOUR = 3_600_000;
const expiryOf = (token: string) => Number(token.split('.')[0]) * 1000;

describe('download tokens', () => {
  it('whenever issued (fresh or from memory), a token lives at least the TTL and at most an hour more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: HOUR, max: 90 * 24 * HOUR }),
        fc.array(fc.integer({ min: 0, max: 3 * HOUR }), { minLength: 1, maxLength: 30 }),
        (ttlMs, steps) => {
          const clock = createManualClock();
          const tokens = createDownloadTokens({ secret: 's'.repeat(32), clock, ttlMs });
          for (const step of steps) {
            clock.advance(step);
            const token = tokens.issue('key-1', 'trackly');
            const expires = expiryOf(token);
            assert.ok(expires >= clock.now() + ttlMs, 'at least the TTL');
            assert.ok(expires < clock.now() + ttlMs + HOUR, 'rounded up by less than an hour');
            assert.deepEqual(tokens.check(token, 'trackly'), { kind: 'valid', callerId: 'key-1' });
          }
        },
      ),
    );
  });

  it('opens only its project, is refused when altered, and expires', () => {
    const clock = createManualClock();
    const tokens = createDownloadTokens({ secret: 's'.repeat(32), clock, ttlMs: HOUR });
    const token = tokens.issue('key-1', 'trackly');
    assert.deepEqual(tokens.check(token, 'other'), { kind: 'invalid' });
    assert.deepEqual(tokens.check(`${token.slice(0, -1)}A`, 'trackly').kind, 'invalid');
    const later = token.replace(/^\d+/, (n) => String(Number(n) + 3600));
    assert.deepEqual(tokens.check(later, 'trackly'), { kind: 'invalid' });
    const otherKey = createDownloadTokens({ secret: 't'.repeat(32), clock, ttlMs: HOUR }).issue(
      'key-1',
      'trackly',
    );
    assert.deepEqual(tokens.check(otherKey, 'trackly'), { kind: 'invalid' }, 'another secret');
    assert.deepEqual(tokens.check('garbage', 'trackly'), { kind: 'invalid' });
    clock.set(expiryOf(token) + 1);
    assert.deepEqual(tokens.check(token, 'trackly'), { kind: 'expired' });
    assert.notEqual(tokens.issue('key-1', 'trackly'), token, 'a fresh token once the old one cannot serve');
  });
});
