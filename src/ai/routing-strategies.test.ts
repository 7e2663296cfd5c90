import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Candidate, createRoutingStrategy } from './routing-strategies.js';

const candidate = (name: string, extra: Partial<Candidate> = {}, order = 0): Candidate => ({
  name,
  priority: order,
  weight: 1,
  order,
  inFlight: 0,
  avgLatencyMs: undefined,
  ...extra,
});

describe('routing strategies', () => {
  it('priority orders by priority, then registration order', () => {
    const ordered = createRoutingStrategy('priority').order([
      candidate('a', { priority: 2 }, 0),
      candidate('b', { priority: 1 }, 1),
      candidate('c', { priority: 2 }, 2),
    ]);
    assert.deepEqual(
      ordered.map((c) => c.name),
      ['b', 'a', 'c'],
    );
  });

  it('weighted round-robin gives each provider its weight in every window, interleaved (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }), (weights) => {
        const strategy = createRoutingStrategy('round-robin');
        const candidates = weights.map((weight, index) => candidate(`p${index}`, { weight }, index));
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        for (let window = 0; window < 3; window += 1) {
          const counts = new Map<string, number>();
          for (let pick = 0; pick < total; pick += 1) {
            const [first, ...rest] = strategy.order(candidates);
            assert.equal(rest.length, candidates.length - 1, 'the others remain as failover');
            counts.set(first!.name, (counts.get(first!.name) ?? 0) + 1);
          }
          for (const [index, weight] of weights.entries()) assert.equal(counts.get(`p${index}`) ?? 0, weight);
        }
      }),
    );
  });

  it('least-loaded prefers the fewest in-flight requests relative to weight', () => {
    const ordered = createRoutingStrategy('least-loaded').order([
      candidate('a', { inFlight: 2 }, 0),
      candidate('b', { inFlight: 3, weight: 3 }, 1),
      candidate('c', { inFlight: 1 }, 2),
    ]);
    assert.deepEqual(
      ordered.map((c) => c.name),
      ['b', 'c', 'a'],
    );
  });

  it('fastest tries unmeasured providers first, then the lowest average latency', () => {
    const ordered = createRoutingStrategy('fastest').order([
      candidate('a', { avgLatencyMs: 50 }, 0),
      candidate('b', { avgLatencyMs: 20 }, 1),
      candidate('c', {}, 2),
    ]);
    assert.deepEqual(
      ordered.map((c) => c.name),
      ['c', 'b', 'a'],
    );
  });
});
