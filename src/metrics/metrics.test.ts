import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Counter, Registry } from 'prom-client';
import { boundChildren, LocallyCountedCounter } from './metrics.js';

const labelNames = ['route', 'status'] as const;

/**
 * Series equal as label sets, their values equal to the last rounding: a child's increments are summed
 * on their own and added at the next read, so fractional increments associate differently from
 * prom-client's one running sum (1 + (0.4 + 3.7) is 5.1000000000000005, (1 + 0.4) + 3.7 is 5.1).
 * Whole increments, the only ones the gateway makes, sum exactly either way and must match exactly.
 */
function assertSameSeries(mine: [string, number][], theirs: [string, number][]) {
  const byLabels = (series: [string, number][]) => [...series].sort(([a], [b]) => (a < b ? -1 : 1));
  const [a, b] = [byLabels(mine), byLabels(theirs)];
  assert.deepEqual(
    a.map(([labels]) => labels),
    b.map(([labels]) => labels),
  );
  a.forEach(([labels, value], i) => {
    const expected = b[i]?.[1] ?? Number.NaN;
    if (Number.isInteger(expected)) assert.equal(value, expected, labels);
    else
      assert.ok(
        Math.abs(value - expected) <= 1e-12 * Math.abs(expected),
        `${labels}: ${value} vs ${expected}`,
      );
  });
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant('inc' as const),
    route: fc.constantFrom('/a', '/b', '/c"\\'),
    status: fc.constantFrom('200', '404'),
    value: fc.option(
      fc.integer({ min: 0, max: 1000 }).map((n) => n / 10),
      { nil: undefined },
    ),
  }),
  fc.constant({ kind: 'read' as const }),
  fc.constant({ kind: 'reset' as const }),
);

describe('locally counted counters', () => {
  it('read as prom-client counters fed the same increments, whenever they are read or reset', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const registry = new Registry();
        const local = new LocallyCountedCounter({
          name: 'local_total',
          help: 'h',
          labelNames,
          registers: [registry],
        });
        const reference = new Counter({
          name: 'reference_total',
          help: 'h',
          labelNames,
          registers: [registry],
        });
        for (const s of steps) {
          if (s.kind === 'inc') {
            local.labels({ route: s.route, status: s.status }).inc(s.value);
            reference.labels({ route: s.route, status: s.status }).inc(s.value);
          } else if (s.kind === 'reset') {
            local.reset();
            reference.reset();
          } else {
            // The same series and values; their order is not part of the exposition format.
            const read = async (counter: Counter<string>) =>
              (await counter.get()).values.map((v): [string, number] => [JSON.stringify(v.labels), v.value]);
            assertSameSeries(await read(local), await read(reference));
          }
        }
        const text = await registry.metrics();
        const series = (name: string) =>
          text
            .split('\n')
            .filter((line) => line.startsWith(name))
            .map((line): [string, number] => {
              const space = line.lastIndexOf(' ');
              return [line.slice(name.length, space), Number(line.slice(space + 1))];
            });
        assertSameSeries(series('local_total'), series('reference_total'));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what prom-client refuses: a negative or non-finite increment', () => {
    const child = new LocallyCountedCounter({
      name: 'refusing_total',
      help: 'h',
      labelNames,
      registers: [],
    }).labels({
      route: '/a',
      status: '200',
    });
    assert.throws(() => child.inc(-1));
    assert.throws(() => child.inc(Number.POSITIVE_INFINITY));
    assert.throws(() => child.inc(Number.NaN));
  });
});

describe('bound children', () => {
  it('bind each label tuple once and give every call with equal values that child', () => {
    // Values that a joined key would confuse: separators inside values, numbers beside their text.
    const value = fc.oneof(fc.constantFrom('a', 'a b', 'b', '', ' ', 'GET'), fc.constantFrom(200, 404, 0));
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value), { maxLength: 40 }), (calls) => {
        const bound: string[] = [];
        const childOf = boundChildren((a: string | number, b: string | number, c: string | number) => {
          bound.push(JSON.stringify([a, b, c]));
          return { labels: [a, b, c] };
        });
        const seen = new Map<string, { labels: unknown[] }>();
        for (const [a, b, c] of calls) {
          const child = childOf(a, b, c);
          assert.deepEqual(child.labels, [a, b, c]);
          const key = JSON.stringify([a, b, c]);
          if (seen.has(key)) assert.equal(child, seen.get(key));
          seen.set(key, child);
        }
        assert.deepEqual([...bound].sort(), [...seen.keys()].sort());
      }),
      { numRuns: 500 },
    );
  });
});
