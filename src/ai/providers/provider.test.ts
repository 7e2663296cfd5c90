import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimatedUsage, isFailoverError, kindOfStatus, ProviderError, parseRetryAfter } from './provider.js';

describe('provider errors', () => {
  const now = Date.UTC(2026, 1, 7, 12, 0, 0);

  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '1500.5', 'retry-after': '9' }, now), 1501);
    assert.equal(parseRetryAfter({ 'retry-after': '9' }, now), 9000);
    assert.equal(parseRetryAfter({ 'retry-after': new Date(now + 4000).toUTCString() }, now), 4000);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
    assert.equal(parseRetryAfter({}, now), undefined);
  });

  it('classifies statuses and fails over only on provider faults', () => {
    assert.deepEqual([429, 408, 500, 529, 400, 401, 404].map(kindOfStatus), [
      'rate_limited',
      'timeout',
      'server',
      'server',
      'client',
      'client',
      'client',
    ]);
    const failover = (kind: ProviderError['kind']) => isFailoverError(new ProviderError('p', kind, 'x'));
    assert.deepEqual(
      (
        ['connect', 'timeout', 'rate_limited', 'server', 'client', 'invalid_response', 'aborted'] as const
      ).map(failover),
      [true, true, true, true, false, false, false],
    );
  });

  it('estimates usage and marks it as estimated', () => {
    const usage = estimatedUsage({ messages: [{ role: 'user', content: 'x'.repeat(40) }] }, 8);
    assert.deepEqual(usage, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, estimated: true });
  });
});
