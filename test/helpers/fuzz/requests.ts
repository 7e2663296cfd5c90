/**
 * Requests for one operation of the document: path parameters that name seeded records or are
 * hostile (control characters, over 256 characters, broken percent-encoding), query strings with
 * valid, hostile and repeated values, and bodies — JSON as the schema says or malformed, other
 * media types, and for uploads multipart forms with their own oddities.
 */
import fc from 'fast-check';
import type { FuzzOperation, FuzzParameter, Schema } from './operations.js';
import {
  asText,
  CONTROL_TEXT,
  hostileJson,
  hostileString,
  OVERLONG_TEXT,
  toJsonText,
  valueFor,
} from './values.js';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What kind of input this is, for the case's description. */
  kind: string;
}

/** Values that name the seeded records, by path or query parameter name. */
export type Fixture = Record<string, string>;

/** Percent-encoded UTF-8 (a lone surrogate becomes U+FFFD, as any client's encoder makes it). */
function encode(text: string): string {
  return encodeURIComponent(Buffer.from(text).toString());
}

const RAW_PATH_VALUES = [
  '%00',
  'a%00b',
  '%01',
  '%1B%5B31m',
  '%7F',
  '%C2%85',
  '%',
  '%E0%A4%A',
  '%2F',
  '%2e%2e',
  '..',
  '%20',
  'v1.0.0',
  '1.0.0-rc.1%2Bbuild.5',
  '0.0.0',
  '1e400',
  '-1',
  'NaN',
];

/** A path value (already encoded): the fixture's, one the schema allows, or a hostile one. */
function pathValue(parameter: FuzzParameter, fixture: Fixture, hostile: boolean): fc.Arbitrary<string> {
  const seeded = fixture[parameter.name];
  const valid = fc
    .oneof(...(seeded === undefined ? [] : [{ arbitrary: fc.constant(seeded), weight: 6 }]), {
      arbitrary: valueFor(parameter.schema, false).map(asText),
      weight: 1,
    })
    .map((text) => (text === '' ? 'x' : encode(text)));
  if (!hostile) return valid;
  return fc.oneof(
    { arbitrary: valid, weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(...RAW_PATH_VALUES),
        hostileString.filter((text) => text !== '').map(encode),
        fc.integer({ min: 257, max: 5000 }).map((length) => 'a'.repeat(length)),
      ),
      weight: 1,
    },
  );
}

const RAW_QUERY_VALUES = [
  '1e400',
  '-1e400',
  '1e20',
  '-0',
  'NaN',
  '0x10',
  '9007199254740993',
  '%00',
  '%1B',
  '%',
  '%E0%A4%A',
];

/** `name=value` pairs (encoded): valid values, hostile ones, repeated and unknown parameters. */
function queryPairs(parameters: FuzzParameter[], fixture: Fixture, hostile: boolean): fc.Arbitrary<string[]> {
  const pair = (parameter: FuzzParameter) => {
    const name = encode(parameter.name);
    const seeded = fixture[`query:${parameter.name}`];
    const valid = fc.oneof(...(seeded === undefined ? [] : [{ arbitrary: fc.constant(seeded), weight: 4 }]), {
      arbitrary: valueFor(parameter.schema, false).map(asText),
      weight: 1,
    });
    const value = hostile
      ? fc.oneof(
          { arbitrary: valid.map(encode), weight: 3 },
          { arbitrary: fc.constantFrom(...RAW_QUERY_VALUES), weight: 1 },
          { arbitrary: hostileJson.map((json) => encode(asText(json))), weight: 1 },
        )
      : valid.map(encode);
    const repeats = hostile ? fc.integer({ min: 1, max: 2 }) : fc.constant(1);
    return fc
      .tuple(value, repeats, fc.boolean())
      .map(([text, times, present]) =>
        present || parameter.required || seeded !== undefined
          ? Array.from({ length: times }, () => `${name}=${text}`)
          : [],
      );
  };
  const known = fc.tuple(...parameters.map(pair)).map((lists) => lists.flat());
  if (!hostile) return known;
  const unknown = fc.option(
    fc.constantFrom('unknown=1', 'page=1e400', `x=${'y'.repeat(10_001)}`, '=', '&&'),
    {
      nil: undefined,
    },
  );
  return fc.tuple(known, unknown).map(([pairs, extra]) => (extra === undefined ? pairs : [...pairs, extra]));
}

interface Body {
  contentType?: string;
  payload?: string | Buffer;
  kind: string;
}

const MALFORMED_JSON = [
  '',
  '{',
  '{"a":',
  'null',
  '[]',
  '"text"',
  '1e400',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
];

function jsonBody(schema: Schema, hostile: boolean): fc.Arbitrary<Body> {
  const json = 'application/json';
  const asSchema = valueFor(schema, hostile).map((value) => ({
    contentType: json,
    payload: toJsonText(value),
    kind: hostile ? 'json (hostile)' : 'json',
  }));
  if (!hostile) return asSchema;
  return fc.oneof(
    { arbitrary: asSchema, weight: 6 },
    {
      arbitrary: fc
        .oneof(fc.constantFrom(...MALFORMED_JSON), fc.constant(`${'['.repeat(5000)}${']'.repeat(5000)}`))
        .map((payload) => ({ contentType: json, payload, kind: 'malformed json' })),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'application/xml',
        )
        .map((contentType) => ({ contentType, payload: '{"a":1}', kind: 'other media type' })),
      weight: 1,
    },
    {
      arbitrary: fc.constant({
        contentType: json,
        payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        kind: 'json with invalid UTF-8',
      }),
      weight: 1,
    },
  );
}

const CRLF = '\r\n';

function formPart(boundary: string, name: string, value: string, fileName?: string): string {
  const disposition = `Content-Disposition: form-data; name="${name}"${fileName === undefined ? '' : `; filename="${fileName}"`}`;
  const type = fileName === undefined ? '' : `${CRLF}Content-Type: application/octet-stream`;
  return `--${boundary}${CRLF}${disposition}${type}${CRLF}${CRLF}${value}${CRLF}`;
}

function form(
  boundary: string,
  fields: [string, string][],
  file: string | undefined,
  fileName = 'app.bin',
): Buffer {
  const parts = fields.map(([name, value]) => formPart(boundary, name, value));
  if (file !== undefined) parts.push(formPart(boundary, 'file', file, fileName));
  return Buffer.from(`${parts.join('')}--${boundary}--${CRLF}`);
}

/** A multipart upload: a well-formed form of fitting or hostile fields, or a broken one. */
function multipartBody(schema: Schema, hostile: boolean): fc.Arbitrary<Body> {
  const properties = { ...((schema.properties ?? {}) as Record<string, Schema>) };
  delete properties.file;
  const model = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, valueFor(property, hostile).map(asText)]),
  );
  const fields = fc
    .record(model, { requiredKeys: ['platform', 'architecture'] })
    .map((value) => Object.entries(value) as [string, string][]);
  const boundary = 'fuzz-boundary-7d3a';
  const type = `multipart/form-data; boundary=${boundary}`;
  const content = fc.string({ minLength: 1, maxLength: 64 });
  const wellFormed = fc.tuple(fields, content).map(([list, file]) => ({
    contentType: type,
    payload: form(boundary, list, file),
    kind: hostile ? 'multipart (hostile fields)' : 'multipart',
  }));
  if (!hostile) return wellFormed;
  const valid = fields.filter((list) => list.length > 0);
  const broken: fc.Arbitrary<Body>[] = [
    wellFormed.map((body) => ({
      ...body,
      contentType: 'multipart/form-data',
      kind: 'multipart without boundary',
    })),
    fc.tuple(wellFormed, fc.integer({ min: 71, max: 5000 })).map(([body, length]) => ({
      ...body,
      contentType: `multipart/form-data; boundary=${'b'.repeat(length)}`,
      kind: 'multipart with an overlong boundary',
    })),
    fc.tuple(valid, fc.integer({ min: 71, max: 2000 })).map(([list, length]) => ({
      contentType: `multipart/form-data; boundary=${'b'.repeat(length)}`,
      payload: form('b'.repeat(length), list, 'content'),
      kind: 'multipart whose overlong boundary is used',
    })),
    fc.tuple(valid, fc.integer({ min: 1, max: 40 })).map(([list, cut]) => {
      const whole = form(boundary, list, 'x'.repeat(64));
      return {
        contentType: type,
        payload: whole.subarray(0, whole.length - boundary.length - 8 - cut),
        kind: 'multipart ending inside the file part',
      };
    }),
    fc.tuple(valid, fc.nat()).map(([list, at]) => {
      const whole = form(boundary, list, 'content');
      return {
        contentType: type,
        payload: whole.subarray(0, at % whole.length),
        kind: 'multipart cut short',
      };
    }),
    fc.tuple(valid, fc.constantFrom(...CONTROL_TEXT)).map(([list, control]) => ({
      contentType: type,
      payload: form(
        boundary,
        list.map(([name, value]) => [name, `${value}${control}`]),
        'content',
      ),
      kind: 'multipart fields with control characters',
    })),
    fc
      .tuple(valid, fc.constantFrom(...CONTROL_TEXT, '../../escape.bin', OVERLONG_TEXT[0] ?? ''))
      .map(([list, name]) => ({
        contentType: type,
        payload: form(boundary, list, 'content', name.replaceAll('"', '')),
        kind: 'multipart with a hostile file name',
      })),
    valid.map((list) => ({
      contentType: type,
      payload: Buffer.concat([
        form(boundary, list, 'content').subarray(0, -(boundary.length + 6)),
        Buffer.from(`${formPart(boundary, 'platform', 'linux')}--${boundary}--${CRLF}`),
      ]),
      kind: 'multipart with a field after the file',
    })),
    valid.map((list) => ({
      contentType: type,
      payload: form(
        boundary,
        [...list, ['unknown\u0001field', 'x'], ['sha256', 'z'.repeat(20_000)]],
        'content',
      ),
      kind: 'multipart with odd and oversized fields',
    })),
    valid.map((list) => ({
      contentType: type,
      payload: form(boundary, list, undefined),
      kind: 'multipart without file',
    })),
    fc.constant({
      contentType: type,
      payload: `--${boundary}${CRLF}X-No-Disposition: 1${CRLF}${CRLF}v${CRLF}--${boundary}--${CRLF}`,
      kind: 'multipart part without Content-Disposition',
    }),
    fc.constant({ contentType: type, payload: 'not a form at all', kind: 'multipart of garbage' }),
  ];
  return fc.oneof({ arbitrary: wellFormed, weight: 1 }, { arbitrary: fc.oneof(...broken), weight: 4 });
}

function bodyFor(operation: FuzzOperation, hostile: boolean): fc.Arbitrary<Body> {
  const { 'application/json': json, 'multipart/form-data': multipart } = operation.bodies;
  const none = fc.constant<Body>({ kind: operation.bodyRequired ? 'missing body' : 'no body' });
  if (json === undefined && multipart === undefined) {
    // Routes that take no body still parse one on these methods.
    if (!hostile || operation.method === 'GET') return none;
    return fc.oneof(none, jsonBody({ type: 'object' }, true));
  }
  return fc.oneof(
    { arbitrary: json === undefined ? none : jsonBody(json, hostile), weight: json === undefined ? 0 : 2 },
    {
      arbitrary: multipart === undefined ? none : multipartBody(multipart, hostile),
      weight: multipart === undefined ? 0 : 3,
    },
    { arbitrary: none, weight: hostile || !operation.bodyRequired ? 1 : 0 },
  );
}

/** Headers the gateway reads besides the credentials, with values a client may send anyway. */
const HOSTILE_HEADERS: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constantFrom('*', 'W/"x", "y"', '"', 'x'.repeat(10_000)).map((value) => ({ 'if-none-match': value })),
  fc.constantFrom('', ' ', 'é'.repeat(300), 'x'.repeat(10_000)).map((value) => ({ 'x-client-id': value })),
  fc
    .constantFrom(
      'bytes=999999999999999999999-',
      'bytes=-0',
      'bytes=5-1',
      `bytes=${'0-1,'.repeat(500)}0-1`,
      'lines=1-2',
    )
    .map((value) => ({ range: value })),
  fc.constantFrom('', 'x'.repeat(500), '../../x', 'req_;drop').map((value) => ({ 'x-request-id': value })),
  fc.constantFrom('not a date', '+275760-09-13', 'Thu, 01 Jan 1970 00:00:00 GMT').map((value) => ({
    'if-modified-since': value,
  })),
  fc.constantFrom('1.2.3.4', 'garbage, ::1', 'x'.repeat(1000)).map((value) => ({ 'x-forwarded-for': value })),
);

type Target = 'nothing' | 'path' | 'query' | 'body' | 'headers';

/**
 * Requests for `operation`: valid ones, and ones malformed in exactly one part (path, query,
 * body or the headers the gateway reads), so that each malformation reaches the code that reads that part instead of being
 * refused for another.
 */
export function requestsFor(
  operation: FuzzOperation,
  fixture: Fixture,
  headers: Record<string, string>,
): fc.Arbitrary<FuzzRequest> {
  const build = (target: Target) =>
    fc
      .tuple(
        fc.tuple(
          ...operation.pathParams.map((parameter) => pathValue(parameter, fixture, target === 'path')),
        ),
        queryPairs(operation.query, fixture, target === 'query'),
        bodyFor(operation, target === 'body'),
        target === 'headers' ? HOSTILE_HEADERS : fc.constant({}),
      )
      .map(([values, pairs, body, extraHeaders]): FuzzRequest => {
        let path = operation.path;
        operation.pathParams.forEach((parameter, i) => {
          path = path.replace(`{${parameter.name}}`, values[i] ?? '');
        });
        const query = pairs.length > 0 ? `?${pairs.join('&')}` : '';
        const request: FuzzRequest = {
          method: operation.method,
          url: `${path}${query}`,
          headers: {
            ...extraHeaders,
            ...headers,
            ...(body.contentType === undefined ? {} : { 'content-type': body.contentType }),
          },
          ...(body.payload === undefined ? {} : { payload: body.payload }),
          kind: `${target === 'nothing' ? 'valid' : `hostile ${target}`}, ${body.kind}`,
        };
        // fast-check prints counterexamples with this: short, and without the credentials.
        return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
      });
  const takesBody = operation.method !== 'GET';
  return fc.oneof(
    { arbitrary: build('nothing'), weight: 2 },
    { arbitrary: build('path'), weight: operation.pathParams.length > 0 ? 1 : 0 },
    { arbitrary: build('query'), weight: 1 },
    { arbitrary: build('body'), weight: takesBody ? 3 : 0 },
    { arbitrary: build('headers'), weight: 1 },
  );
}

/** A short description of a request, for failure messages and counterexamples. */
export function describeRequest(request: FuzzRequest): string {
  const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  const body =
    request.payload === undefined ? '' : ` body ${JSON.stringify(clip(request.payload.toString('latin1')))}`;
  const { authorization: _credentials, ...shown } = request.headers;
  const headers = Object.entries(shown).map(([name, value]) => ` ${name}: ${clip(value)}`);
  return `${request.method} ${clip(request.url)} [${request.kind}]${headers.join('')}${body}`;
}
