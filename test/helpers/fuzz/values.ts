/**
 * fast-check arbitraries for the values a JSON schema describes: valid ones (within the schema, as
 * far as a generator can tell), and hostile ones a client may send anyway — wrong JSON types, null,
 * numbers no column holds, control characters, overlong text, extreme durations and dates, missing
 * required and unknown properties.
 */
import fc from 'fast-check';
import type { Schema } from './operations.js';

/** A JSON number written exactly as given (`1e400`, `-0`, `2^70`), which `JSON.stringify` cannot write. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** JSON text of `value`, with each `RawNumber` written as its own text. */
export function toJsonText(value: unknown): string {
  const raw: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof RawNumber)) return item;
    raw.push(item.text);
    return `@@raw-${raw.length - 1}@@`;
  });
  return (text ?? 'null').replace(/"@@raw-(\d+)@@"/g, (_match, index: string) => raw[Number(index)] ?? '0');
}

export const CONTROL_TEXT = [
  '\u0000',
  'name\u0000with-nul',
  '\u0001',
  '\u0008\u000b\u000c',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;title\u0007',
  '\u007f',
  '\u0085',
  '\u009b2J',
];
export const NUMBER_TEXT = ['1e400', '-1e400', '1e20', '1e308', '-1e308', '-0', '1.5', '-1', '0'];
export const HUGE_INTEGER_TEXT = ['9007199254740993', '18446744073709551616', '1'.padEnd(40, '0')];
export const EXTREME_DURATIONS = ['200000y', '999999y', '0d', '-1d', '1.5h', '99999999999999999999h', '1e3d'];
export const EXTREME_DATES = [
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '1970-01-01T00:00:00Z',
];
export const ODD_TEXT = [
  '',
  ' ',
  'NaN',
  'Infinity',
  'null',
  'true',
  '..',
  '../../etc/passwd',
  '%00',
  '\ud800',
  '🙂',
  'Ω≈ç√',
  '\r\n\r\nHTTP/1.1 200 OK',
];
export const OVERLONG_TEXT = ['x'.repeat(10_001), 'é'.repeat(70_000)];

/** Strings nothing should store as sent. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CONTROL_TEXT),
  fc.constantFrom(...EXTREME_DURATIONS, ...EXTREME_DATES, ...NUMBER_TEXT, ...HUGE_INTEGER_TEXT),
  fc.constantFrom(...ODD_TEXT),
  fc.constantFrom(...OVERLONG_TEXT),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROL_TEXT), fc.string({ maxLength: 8 }))
    .map((parts) => parts.join('')),
);

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NUMBER_TEXT, ...HUGE_INTEGER_TEXT).map((text) => new RawNumber(text)),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 0.5, -1),
);

/** Any JSON value of the wrong kind: null, booleans, extreme numbers, hostile text, arrays, objects. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hostileNumber,
  hostileString,
  fc.constantFrom([], [null], ['a', 1], [[[]]]),
  fc.constantFrom({}, { ['__proto__']: { polluted: true } }, { constructor: { prototype: { polluted: 1 } } }),
);

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  return typeof schema.type === 'string' ? [schema.type] : [];
}

function patternsOf(schema: Schema): RegExp[] {
  const rules = [schema, ...((schema.allOf as Schema[] | undefined) ?? [])];
  return rules.flatMap((rule) => (typeof rule.pattern === 'string' ? [new RegExp(rule.pattern, 'u')] : []));
}

function fits(schema: Schema, text: string): boolean {
  const length = [...text].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) return false;
  return patternsOf(schema).every((pattern) => pattern.test(text));
}

/** Text the schema accepts, as far as a generator can tell (a miss is replaced by a fitting fallback). */
function validString(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2030-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  if (schema.format === 'uri') {
    return fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((name) => `https://cdn.example.invalid/${name}.bin`);
  }
  const own = typeof schema.pattern === 'string' ? schema.pattern : undefined;
  let generated: fc.Arbitrary<string> | undefined;
  // The text rule (`^[^…]*$`) is what most strings have: any string mostly fits it.
  if (own !== undefined && !own.startsWith('^[^')) {
    try {
      generated = fc.stringMatching(new RegExp(own));
    } catch {
      // A pattern fast-check cannot generate from (a lookahead): random text, checked below.
    }
  }
  generated ??= fc.oneof(
    fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: 20 }),
    fc.string({ unit: 'grapheme', minLength: Number(schema.minLength ?? 0), maxLength: 20 }),
  );
  const candidates = [schema.example, schema.default, ...fc.sample(generated, { numRuns: 50, seed: 0 })];
  const safe = candidates.find((value): value is string => typeof value === 'string' && fits(schema, value));
  return generated.map((text) => (fits(schema, text) || safe === undefined ? text : safe));
}

function validNumber(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1e9;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1e9;
  const edges = fc.constantFrom(min, max);
  const inside = integer
    ? fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof({ arbitrary: inside, weight: 4 }, { arbitrary: edges, weight: 1 });
}

/**
 * Values for `schema`. With `hostile`, every node may instead be a hostile value, an object may
 * lose a required property or gain an unknown one, and an array may exceed its length.
 */
export function valueFor(schema: Schema, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  const valid = structured(schema, hostile, depth);
  if (!hostile) return valid;
  return fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: malformed(schema, depth), weight: 1 });
}

function structured(schema: Schema, hostile: boolean, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const choices = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(choices)) return fc.oneof(...choices.map((choice) => valueFor(choice, hostile, depth)));
  const types = typesOf(schema);
  if (types.length > 1) {
    return fc.oneof(...types.map((type) => structured({ ...schema, type }, hostile, depth)));
  }
  switch (types[0]) {
    case 'object':
      return objectValue(schema, hostile, depth);
    case 'array': {
      const items = valueFor((schema.items as Schema | undefined) ?? {}, hostile, depth + 1);
      const minLength = Number(schema.minItems ?? 0);
      const maxLength = Math.min(Number(schema.maxItems ?? 3), minLength + 3);
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (item) => toJsonText(item) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'string':
      return validString(schema);
    case 'integer':
      return validNumber(schema, true);
    case 'number':
      return validNumber(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      // A free-form value (tool parameters, audit details).
      return depth > 2 ? fc.constant({}) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectValue(schema: Schema, hostile: boolean, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const requiredKeys = ((schema.required as string[] | undefined) ?? []).filter((name) => name in properties);
  const model = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, valueFor(property, hostile, depth + 1)]),
  );
  return fc.record(model, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A value the schema refuses, shaped after it where that finds more (a missing or unknown field). */
function malformed(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const specific: fc.Arbitrary<unknown>[] = [hostileJson];
  if (types.includes('string')) specific.push(hostileString);
  if (types.includes('integer') || types.includes('number')) {
    specific.push(hostileNumber);
    if (typeof schema.maximum === 'number') specific.push(fc.constant(schema.maximum + 1));
    if (typeof schema.minimum === 'number') specific.push(fc.constant(schema.minimum - 1));
  }
  if (types.includes('object')) {
    const valid = objectValue(schema, false, depth);
    const required = (schema.required as string[] | undefined) ?? [];
    specific.push(valid.map((value) => ({ ...value, unexpected_field: 'x' })));
    if (required.length > 0) {
      specific.push(
        fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]) => {
          const { [name]: _left, ...rest } = value;
          return rest;
        }),
      );
    }
  }
  if (types.includes('array') && typeof schema.maxItems === 'number' && schema.maxItems <= 100) {
    const item = structured((schema.items as Schema | undefined) ?? {}, false, depth + 1);
    specific.push(fc.array(item, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 }));
  }
  return fc.oneof(...specific);
}

/** The text form of a query or path value: scalars as written, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof RawNumber) return value.text;
  return typeof value === 'object' && value !== null ? toJsonText(value) : String(value);
}
