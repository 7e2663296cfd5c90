import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createSseDecoder, type SseEvent } from './sse-parser.js';

const encode = (text: string) => new TextEncoder().encode(text);

function decodeInPieces(bytes: Uint8Array, cuts: number[]) {
  const decoder = createSseDecoder();
  const events: SseEvent[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    events.push(...decoder.push(bytes.slice(start, cut)));
    start = cut;
  }
  events.push(...decoder.push(bytes.slice(start)), ...decoder.end());
  return { events, partial: decoder.hasPartialEvent() };
}

describe('SSE decoder', () => {
  it('reads events, event names, multi-line data, comments and [DONE]', () => {
    const text =
      ': keep-alive\n\nevent: ping\ndata: {}\n\ndata: line one\ndata: line two\nid: 7\n\ndata: [DONE]\n\n';
    const { events, partial } = decodeInPieces(encode(text), []);
    assert.deepEqual(events, [
      { event: 'ping', data: '{}', id: undefined },
      { event: undefined, data: 'line one\nline two', id: '7' },
      { event: undefined, data: '[DONE]', id: '7' },
    ]);
    assert.equal(partial, false);
  });

  it('accepts CRLF and CR line endings, also when a CRLF is split between chunks', () => {
    const { events } = decodeInPieces(encode('data: a\r\n\r\ndata: b\r\rdata: c\n\n'), [7, 8]);
    assert.deepEqual(
      events.map((event) => event.data),
      ['a', 'b', 'c'],
    );
  });

  it('reports a stream that stopped in the middle of an event', () => {
    assert.equal(decodeInPieces(encode('data: {"a":1}\n\ndata: {"b"'), []).partial, true);
    assert.equal(decodeInPieces(encode('data: {"a":1}\n'), []).partial, true);
    assert.equal(decodeInPieces(encode('data: {"a":1}\n\n'), []).partial, false);
  });

  it('yields the same events however the bytes are split, multi-byte characters included (property)', () => {
    const field = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''));
    const eventArb = fc.record({
      event: fc.option(fc.constantFrom('message_start', 'ping', 'delta')),
      data: field,
    });
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 10 }),
        (events, eol, rawCuts) => {
          const text = events
            .map(
              (e) => `${e.event ? `event: ${e.event}${eol}` : ''}: comment${eol}data: ${e.data}${eol}${eol}`,
            )
            .join('');
          const bytes = encode(text);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const whole = decodeInPieces(bytes, []);
          const split = decodeInPieces(bytes, cuts);
          assert.deepEqual(split, whole);
          assert.deepEqual(
            split.events.map((e) => [e.event, e.data]),
            events.map((e) => [e.event ?? undefined, e.data]),
          );
        },
      ),
    );
  });

  it('decodes any bytes of a data line, however split, as UTF-8 decoding of the whole does: invalid bytes as U+FFFD (property)', () => {
    const lineBytes = fc
      .uint8Array({ maxLength: 40 })
      .map((bytes) => bytes.filter((b) => b !== 10 && b !== 13));
    fc.assert(
      fc.property(lineBytes, fc.array(fc.nat(), { maxLength: 8 }), (value, rawCuts) => {
        const bytes = new Uint8Array([...encode('data: '), ...value, ...encode('\n\n')]);
        const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
        const { events } = decodeInPieces(bytes, cuts);
        const expected = new TextDecoder('utf-8', { ignoreBOM: true }).decode(value);
        assert.deepEqual(
          events.map((e) => e.data),
          [expected],
        );
      }),
    );
  });

  it('drops one leading byte-order mark, split or not, and no other', () => {
    const bom = [0xef, 0xbb, 0xbf];
    const bytes = new Uint8Array([...bom, ...encode('data: a\n\ndata: b\n\n')]);
    for (const cuts of [[], [1], [2], [3]]) {
      assert.deepEqual(
        decodeInPieces(bytes, cuts).events.map((e) => e.data),
        ['a', 'b'],
      );
    }
    // A second mark is part of the first line: its field is then not `data`, and no event is made.
    const twice = new Uint8Array([...bom, ...bom, ...encode('data: a\n\n')]);
    assert.deepEqual(decodeInPieces(twice, []).events, []);
  });
});
