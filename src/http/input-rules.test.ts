import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Type } from 'typebox';
import {
  isPlainText,
  MAX_INPUT_INTEGER,
  MODEL_TEXT_PATTERN,
  PLAIN_TEXT_PATTERN,
  withInputContract,
  withInputRules,
} from './input-rules.js';

// Ajv compiles patterns with the `u` flag.
const plainText = new RegExp(PLAIN_TEXT_PATTERN, 'u');
const isRefused = (code: number) =>
  (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f);

// Mostly the low code points where the boundaries lie, with any other code point mixed in.
const character = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0xa0 }).map((code) => String.fromCodePoint(code)), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
);

describe('plain text rule', () => {
  it('refuses a string exactly when it holds a control character other than tab, LF and CR', () => {
    fc.assert(
      fc.property(fc.string({ unit: character, maxLength: 40 }), (text) => {
        const hasRefused = [...text].some((char) => isRefused(char.codePointAt(0) ?? 0));
        assert.equal(plainText.test(text), !hasRefused, JSON.stringify(text));
        // The same rule for input no schema validates (multipart form fields).
        assert.equal(isPlainText(text), !hasRefused, JSON.stringify(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('allows tabs, line breaks and any printable text, refuses NUL, ESC, DEL and C1 controls', () => {
    assert.ok(plainText.test('## Notes\r\n\t- émoji 🚀 ok'));
    for (const text of ['a\u0000', '\u001b[31m', 'x\u007f', 'y\u0085', 'z\u000b']) {
      assert.equal(plainText.test(text), false, JSON.stringify(text));
    }
  });
});

describe('withInputRules', () => {
  const schema = Type.Object({
    name: Type.String({ minLength: 1 }),
    slug: Type.String({ pattern: '^[a-z]+$' }),
    kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    size: Type.Integer({ minimum: 0 }),
    percent: Type.Integer({ minimum: 0, maximum: 100 }),
    tags: Type.Array(Type.String()),
    note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  });
  const ruled = withInputRules(schema) as {
    properties: Record<string, Record<string, unknown>>;
  };
  const { properties } = ruled;

  it('puts the text rule on every string, next to a pattern it already has', () => {
    assert.equal(properties.name?.pattern, PLAIN_TEXT_PATTERN);
    assert.equal(properties.slug?.pattern, '^[a-z]+$');
    assert.deepEqual(properties.slug?.allOf, [{ pattern: PLAIN_TEXT_PATTERN }]);
    assert.equal((properties.tags!.items as Record<string, unknown>).pattern, PLAIN_TEXT_PATTERN);
    assert.equal((properties.note!.anyOf as Record<string, unknown>[])[0]?.pattern, PLAIN_TEXT_PATTERN);
  });

  it('leaves model text to its own rule: escape sequences pass, NUL does not', () => {
    const prompt = withInputRules(Type.String({ pattern: MODEL_TEXT_PATTERN })) as Record<string, unknown>;
    assert.equal(prompt.pattern, MODEL_TEXT_PATTERN);
    assert.equal(prompt.allOf, undefined);
    const modelText = new RegExp(MODEL_TEXT_PATTERN, 'u');
    assert.ok(modelText.test('\u001b[31mred\u001b[0m\u0007'));
    assert.equal(modelText.test('a\u0000b'), false);
  });

  it('leaves literals alone and bounds every number to safe integers, keeping tighter bounds', () => {
    for (const literal of properties.kind!.anyOf as Record<string, unknown>[]) {
      assert.equal(literal.pattern, undefined);
    }
    assert.deepEqual([properties.size?.minimum, properties.size?.maximum], [0, MAX_INPUT_INTEGER]);
    assert.deepEqual([properties.percent?.minimum, properties.percent?.maximum], [0, 100]);
  });

  it('is idempotent and does not change the schema it is given', () => {
    assert.deepEqual(withInputRules(ruled), ruled);
    assert.equal((schema.properties.name as unknown as Record<string, unknown>).pattern, undefined);
  });
});

describe('properties with a default', () => {
  it('are not required, since the validator fills them in; the others stay required', () => {
    const query = Type.Object({
      page: Type.Integer({ default: 1 }),
      sort: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
      q: Type.String(),
    });
    assert.deepEqual((withInputRules(query) as { required?: string[] }).required, ['q']);
    const allDefaulted = Type.Object({ force: Type.Boolean({ default: false }) });
    assert.equal((withInputRules(allDefaulted) as { required?: string[] }).required, undefined);
  });
});

describe('withInputContract', () => {
  const response = { 200: Type.Object({}) };

  it('documents 400, 408, 413 and 415 for bodies and 414 for path parameters', () => {
    const route = withInputContract(
      { params: Type.Object({ id: Type.String() }), body: Type.Object({}), response },
      'PATCH',
      '/things/:id',
    ) as { response: Record<string, unknown> };
    assert.deepEqual(Object.keys(route.response).sort(), ['200', '400', '408', '413', '414', '415']);
  });

  it('adds nothing a route cannot answer, and keeps what a route documents itself', () => {
    const plain = withInputContract({ response }, ['GET', 'HEAD'], '/things') as {
      response: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(plain.response), ['200']);
    const bodyless = withInputContract({ response }, 'POST', '/things/publish') as {
      response: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(bodyless.response).sort(), ['200', '400', '408', '413', '415']);
    const own = { description: 'mine' };
    const documented = withInputContract(
      { querystring: Type.Object({}), response: { ...response, 400: own } },
      'GET',
      '/things',
    ) as { response: Record<string, unknown> };
    assert.equal(documented.response[400], own);
  });

  it('applies the rules to each media type of a body', () => {
    const route = withInputContract(
      { body: { content: { 'application/json': { schema: Type.Object({ a: Type.String() }) } } } },
      'POST',
      '/x',
    ) as unknown as {
      body: { content: Record<string, { schema: { properties: { a: { pattern: string } } } }> };
    };
    assert.equal(route.body.content['application/json']?.schema.properties.a.pattern, PLAIN_TEXT_PATTERN);
  });
});
