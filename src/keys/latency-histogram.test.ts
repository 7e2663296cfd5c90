import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyHistogram, LATENCY_BUCKETS, latencyBucketOf, latencyQuantile } from './latency-histogram.js';

describe('latency histogram', () => {
  it('puts a duration in the first bucket whose bound holds it, beyond the last in the overflow', () => {
    assert.equal(latencyBucketOf(0.3), 0);
    assert.equal(latencyBucketOf(5), 0);
    assert.equal(latencyBucketOf(5.01), 1);
    assert.equal(latencyBucketOf(999), 7);
    assert.equal(latencyBucketOf(60_000), LATENCY_BUCKETS - 1);
  });

  it('estimates quantiles inside the bucket that holds them', () => {
    const histogram = emptyHistogram();
    histogram[latencyBucketOf(3)] = 98; // 0–5 ms
    histogram[latencyBucketOf(700)] = 2; // 500–1000 ms
    assert.equal(latencyQuantile(histogram, 0.5), 2.6);
    assert.equal(latencyQuantile(histogram, 0.99), 750);
    assert.equal(latencyQuantile(emptyHistogram(), 0.5), null);
    const overflow = emptyHistogram();
    overflow[LATENCY_BUCKETS - 1] = 1;
    assert.equal(latencyQuantile(overflow, 0.99), 10_000);
  });
});
