import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BoundedMemo } from './bounded-memo.js';

describe('BoundedMemo', () => {
  it('forgets the least recently used entry first', () => {
    const memo = new BoundedMemo<number>(2);
    memo.set('a', 1);
    memo.set('b', 2);
    assert.equal(memo.get('a'), 1);
    memo.set('c', 3);
    assert.equal(memo.get('b'), undefined, 'b was the least recently used');
    assert.equal(memo.get('a'), 1);
    assert.equal(memo.get('c'), 3);
    assert.equal(memo.size, 2);
  });

  it('refuses a bound that is not a positive integer', () => {
    assert.throws(() => new BoundedMemo(0), RangeError);
    assert.throws(() => new BoundedMemo(1.5), RangeError);
  });

  it('behaves like a list ordered by last use, truncated to max', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
        value: fc.integer(),
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(operation, { maxLength: 60 }),
        (max, operations) => {
          const memo = new BoundedMemo<number>(max);
          // The model: most recently used last.
          let model: Array<[string, number]> = [];
          for (const op of operations) {
            const found = model.find(([key]) => key === op.key);
            if (op.kind === 'get') {
              assert.equal(memo.get(op.key), found?.[1]);
              if (found) model = [...model.filter(([key]) => key !== op.key), found];
            } else {
              memo.set(op.key, op.value);
              model = [...model.filter(([key]) => key !== op.key), [op.key, op.value]];
              if (model.length > max) model = model.slice(model.length - max);
            }
            assert.equal(memo.size, model.length);
          }
        },
      ),
    );
  });
});
