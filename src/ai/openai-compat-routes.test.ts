import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chunkFrame } from './openai-compat-routes.js';
import { type ChatCompletionChunk, upstreamJson } from './providers/provider.js';

const usageObject = fc.record({
  prompt_tokens: fc.nat(),
  completion_tokens: fc.nat(),
  total_tokens: fc.nat(),
});

/** Chunks as upstreams send them: content of any text, usage absent, null or set, and in any place. */
const upstreamChunk = fc.record(
  {
    id: fc.string(),
    object: fc.constant('chat.completion.chunk'),
    created: fc.nat(),
    model: fc.string(),
    choices: fc.array(
      fc.record({
        index: fc.nat({ max: 3 }),
        delta: fc.record(
          { content: fc.option(fc.string({ unit: 'binary' }), { nil: null }) },
          { requiredKeys: [] },
        ),
        finish_reason: fc.constantFrom(null, 'stop', 'length'),
      }),
      { maxLength: 3 },
    ),
    usage: fc.option(usageObject, { nil: null }),
    system_fingerprint: fc.string(),
    // A vendor field whose own last key is a null usage: only the top level's may be cut.
    metadata: fc.record({ tag: fc.string(), usage: fc.constant(null) }),
  },
  { requiredKeys: ['id', 'object', 'created', 'model', 'choices'] },
);

/** The JSON text of an upstream chunk with its fields in a shuffled order (usage last or not). */
const upstreamText = upstreamChunk.chain((chunk) =>
  fc
    .shuffledSubarray(Object.keys(chunk), { minLength: Object.keys(chunk).length })
    .map((order) =>
      JSON.stringify(Object.fromEntries(order.map((key) => [key, chunk[key as keyof typeof chunk]]))),
    ),
);

function parseFrame(frame: string): unknown {
  assert.match(frame, /^data: [^\n]*\n\n$/);
  return JSON.parse(frame.slice('data: '.length, -2));
}

describe('OpenAI stream frames', () => {
  it('relaying the upstream JSON gives the same frame value as serialising the chunk', () => {
    fc.assert(
      fc.property(upstreamText, fc.boolean(), (text, includeUsage) => {
        // As the provider keeps it: a chunk whose usage it did not rewrite (absent or null).
        const relayed = JSON.parse(text) as ChatCompletionChunk;
        fc.pre(relayed.usage === undefined || relayed.usage === null);
        Object.defineProperty(relayed, upstreamJson, { value: text });
        const serialised = JSON.parse(text) as ChatCompletionChunk;
        const viaSource = chunkFrame(relayed, includeUsage);
        const viaJson = chunkFrame(serialised, includeUsage);
        if (viaJson === undefined) return assert.equal(viaSource, undefined);
        assert.ok(viaSource !== undefined);
        assert.deepEqual(parseFrame(viaSource), parseFrame(viaJson));
      }),
      { numRuns: 1_000 },
    );
  });

  it('leaves usage out of frames unless the client asked for it, and drops the usage chunk', () => {
    const content = { index: 0, delta: { content: 'Hi' }, finish_reason: null };
    const nullLast = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[${JSON.stringify(content)}],"usage":null}`;
    const chunk = JSON.parse(nullLast) as ChatCompletionChunk;
    Object.defineProperty(chunk, upstreamJson, { value: nullLast });
    assert.equal(chunkFrame(chunk, true), `data: ${nullLast}\n\n`);
    assert.equal(chunkFrame(chunk, false), `data: ${nullLast.slice(0, -',"usage":null}'.length)}}\n\n`);
    // A copy does not carry the upstream text, which would no longer match it.
    const usageChunk = {
      ...chunk,
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    };
    assert.equal(chunkFrame(usageChunk, false), undefined);
    assert.deepEqual(parseFrame(chunkFrame(usageChunk, true)!), usageChunk);
  });
});
