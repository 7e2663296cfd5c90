import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Histogram, type LabelValues, Registry } from 'prom-client';
import { LocallyObservedHistogram } from './locally-observed-histogram.js';

const labelNames = ['route', 'status'] as const;
type Label = (typeof labelNames)[number];
const buckets = [0.001, 0.01, 0.1, 1];

const labels = fc.record(
  { route: fc.constantFrom('/a', '/b', '/c"\\'), status: fc.constantFrom('200', '404') },
  { requiredKeys: ['route'] },
);
// Bounds themselves (a value equal to a bound is in that bucket), between them, below and above all.
const value = fc.oneof(fc.constantFrom(-1, 0, ...buckets, 5), fc.double({ min: -10, max: 10, noNaN: true }));
const step = fc.oneof(
  fc.record({ kind: fc.constant('observe' as const), labels, value }),
  fc.record({ kind: fc.constant('child' as const), labels, value, positional: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('zero' as const, 'remove' as const), labels }),
  fc.constant({ kind: 'read' as const }),
  fc.constant({ kind: 'reset' as const }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

function apply(histogram: Histogram<Label>, s: Step) {
  const set = 'labels' in s ? (s.labels as LabelValues<Label>) : {};
  if (s.kind === 'observe') histogram.observe(set, s.value);
  else if (s.kind === 'child') {
    const child = s.positional
      ? histogram.labels(String(set.route), String(set.status ?? ''))
      : histogram.labels(set);
    child.observe(s.value);
  } else if (s.kind === 'zero') histogram.zero(set);
  else if (s.kind === 'remove') histogram.remove(set);
  else if (s.kind === 'reset') histogram.reset();
}

/** The exposition lines of one metric, its name cut off so that two metrics compare. */
function lines(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .map((line) => line.slice(name.length));
}

describe('locally observed histograms', () => {
  it('read as prom-client histograms fed the same operations, series order and exposition text included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const registry = new Registry();
        const config = { help: 'h', labelNames, buckets, registers: [registry] };
        const local = new LocallyObservedHistogram({ name: 'local_seconds', ...config });
        const reference = new Histogram({ name: 'reference_seconds', ...config });
        for (const s of steps) {
          apply(local, s);
          apply(reference, s);
          if (s.kind !== 'read') continue;
          const [mine, theirs] = [await local.get(), await reference.get()];
          assert.deepEqual(
            mine.values.map((v) => ({ ...v, metricName: v.metricName?.replace('local', '') })),
            theirs.values.map((v) => ({ ...v, metricName: v.metricName?.replace('reference', '') })),
          );
        }
        const text = await registry.metrics();
        assert.deepEqual(lines(text, 'local_seconds'), lines(text, 'reference_seconds'));
      }),
      { numRuns: 500 },
    );
  });

  it('show the one series of a histogram without labels from the start, as prom-client does', async () => {
    const registry = new Registry();
    new LocallyObservedHistogram({ name: 'local_seconds', help: 'h', buckets, registers: [registry] });
    new Histogram({ name: 'reference_seconds', help: 'h', buckets, registers: [registry] });
    const text = await registry.metrics();
    assert.equal(lines(text, 'local_seconds').length, buckets.length + 3);
    assert.deepEqual(lines(text, 'local_seconds'), lines(text, 'reference_seconds'));
  });

  it('refuse what prom-client refuses: a non-finite value, an unknown label, a wrong number of values', () => {
    const histogram = new LocallyObservedHistogram({
      name: 'refusing',
      help: 'h',
      labelNames,
      buckets,
      registers: [],
    });
    const child = histogram.labels({ route: '/a', status: '200' });
    assert.throws(() => child.observe(Number.NaN), TypeError);
    assert.throws(() => child.observe(Number.POSITIVE_INFINITY), TypeError);
    assert.throws(() => histogram.observe({ method: 'GET' } as never, 1), /not included in initial labelset/);
    assert.throws(() => histogram.labels('/a'), /Invalid number of arguments/);
  });
});
