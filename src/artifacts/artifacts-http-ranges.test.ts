import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { contentDisposition, decideRange, ifRangeMatches, isNotModified } from './artifacts-http-ranges.js';

describe('decideRange', () => {
  it('serves the bytes asked for, clamped to the file', () => {
    assert.deepEqual(decideRange('bytes=100-199', 1000), {
      kind: 'partial',
      range: { start: 100, end: 199 },
    });
    assert.deepEqual(decideRange('bytes=900-', 1000), { kind: 'partial', range: { start: 900, end: 999 } });
    assert.deepEqual(decideRange('bytes=-10', 1000), { kind: 'partial', range: { start: 990, end: 999 } });
    assert.deepEqual(decideRange('bytes=-5000', 1000), { kind: 'partial', range: { start: 0, end: 999 } });
    assert.deepEqual(decideRange('bytes=990-5000', 1000), {
      kind: 'partial',
      range: { start: 990, end: 999 },
    });
  });

  it('refuses ranges that start beyond the end', () => {
    assert.deepEqual(decideRange('bytes=1000-1001', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  });

  it('ignores what it does not serve: no header, malformed, reversed, other units, several ranges', () => {
    for (const header of [undefined, 'bytes=', 'bytes=5-1', 'items=0-1', 'bytes=0-1,5-6', 'bytes=a-b']) {
      assert.deepEqual(decideRange(header, 1000), { kind: 'full' }, String(header));
    }
  });

  it('every partial answer lies inside the file and is not empty', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(20_000), fc.option(fc.nat(20_000)), (size, start, end) => {
        const decision = decideRange(`bytes=${start}-${end ?? ''}`, size);
        if (decision.kind !== 'partial') return;
        assert.ok(decision.range.start >= 0 && decision.range.start <= decision.range.end);
        assert.ok(decision.range.end < size);
      }),
    );
  });
});

describe('conditional requests', () => {
  const etag = '"abc"';
  const modified = Date.UTC(2026, 1, 7, 12, 0, 0, 500);

  it('If-None-Match matches listed tags, weakly, and wins over If-Modified-Since', () => {
    assert.equal(isNotModified({ 'if-none-match': '"x", "abc"' }, etag, modified), true);
    assert.equal(isNotModified({ 'if-none-match': 'W/"abc"' }, etag, modified), true);
    assert.equal(isNotModified({ 'if-none-match': '*' }, etag, modified), true);
    const later = new Date(modified + 60_000).toUTCString();
    assert.equal(
      isNotModified({ 'if-none-match': '"x"', 'if-modified-since': later }, etag, modified),
      false,
    );
  });

  it('If-Modified-Since compares at one-second precision', () => {
    assert.equal(
      isNotModified({ 'if-modified-since': new Date(modified).toUTCString() }, etag, modified),
      true,
    );
    const earlier = new Date(modified - 2_000).toUTCString();
    assert.equal(isNotModified({ 'if-modified-since': earlier }, etag, modified), false);
    assert.equal(isNotModified({ 'if-modified-since': 'yesterday' }, etag, modified), false);
  });

  it('If-Range honours only the same strong tag or the exact date', () => {
    assert.equal(ifRangeMatches(undefined, etag, modified), true);
    assert.equal(ifRangeMatches('"abc"', etag, modified), true);
    assert.equal(ifRangeMatches('W/"abc"', etag, modified), false);
    assert.equal(ifRangeMatches('"other"', etag, modified), false);
    assert.equal(ifRangeMatches(new Date(modified).toUTCString(), etag, modified), true);
  });
});

describe('contentDisposition', () => {
  it('keeps an ASCII fallback and the exact UTF-8 name', () => {
    assert.equal(
      contentDisposition('Trackly Setup "1.2".exe'),
      `attachment; filename="Trackly Setup _1.2_.exe"; filename*=UTF-8''Trackly%20Setup%20%221.2%22.exe`,
    );
    assert.match(contentDisposition('café.dmg'), /filename="caf_.dmg"; filename\*=UTF-8''caf%C3%A9\.dmg$/);
  });
});
