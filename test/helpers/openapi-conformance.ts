/**
 * The OpenAPI document is the contract: every answer the gateway gives must be one it documents.
 *
 * Stable API (other suites build on it):
 *   - `documentedResponseProblems(document, response)` → string[]: why the answer is not documented
 *     (empty when it is): the operation has no such status, the content type is not one documented
 *     for it, or the body does not match the documented schema.
 *   - `assertDocumentedResponse(document, response)`: the same, thrown as an AssertionError.
 *   - `findOperation(document, method, url)`: the document's operation for a request, if any.
 *   - `ObservedResponse`, `OpenApiDocument`: the shapes both take.
 *
 * Rules beyond the document itself, each for a reason stated where it is applied:
 *   - The `/api/v2` prefix and a trailing slash are ignored, as the router ignores them.
 *   - HEAD is checked against the GET operation (status and content type), without a body.
 *   - OPTIONS (CORS preflight, answered for every path by the CORS layer) is not in the document.
 *   - A request that matches no operation may only get the error envelope with 400, 404, 405, 414,
 *     429 or 503 (malformed or unknown target, rate limit, shutdown).
 *   - 204 and 304 carry no body; a body is checked only when it was captured (`body` defined).
 */
import { AssertionError } from 'node:assert';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse as Response } from 'fastify';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, unknown> };
  [key: string]: unknown;
}

export interface ObservedResponse {
  method: string;
  /** The request target as sent: path and query (the `/api/v2` prefix is allowed). */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The body as sent; undefined when it was not captured (too large or not kept). */
  body?: string | Buffer;
}

export interface DocumentedOperation {
  /** The document's path template (`/projects/{projectId}`). */
  path: string;
  method: string;
  operation: Json;
}

const API_PREFIX = '/api/v2';
const UNMATCHED_STATUSES = new Set([400, 404, 405, 414, 429, 503]);
const BODILESS_STATUSES = new Set([204, 304]);
const ERROR_ENVELOPE_POINTER = '#/components/schemas/ErrorEnvelope';

interface CompiledTemplate {
  path: string;
  pattern: RegExp;
  /** Literal segments first: `/electron/win32/{arch}/RELEASES` wins over `/electron/{p}/{a}/{v}`. */
  literalSegments: number;
}

interface DocumentIndex {
  ajv: Ajv2020;
  templates: CompiledTemplate[];
  validators: Map<string, ValidateFunction>;
}

const DOCUMENT_ID = 'lunarbit-openapi';
const indexes = new WeakMap<OpenApiDocument, DocumentIndex>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function indexOf(document: OpenApiDocument): DocumentIndex {
  let index = indexes.get(document);
  if (index !== undefined) return index;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  ajvFormats.default(ajv as never);
  // The whole document is one resource, so `#/components/schemas/…` references resolve inside it.
  ajv.addSchema(document as never, DOCUMENT_ID);
  const templates = Object.keys(document.paths).map((path) => {
    const segments = path.split('/');
    const source = segments
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment)))
      .join('/');
    return {
      path,
      pattern: new RegExp(`^${source}$`),
      literalSegments: segments.filter((segment) => segment !== '' && !segment.startsWith('{')).length,
    };
  });
  templates.sort((a, b) => b.literalSegments - a.literalSegments);
  index = { ajv, templates, validators: new Map() };
  indexes.set(document, index);
  return index;
}

function pathOf(url: string): string {
  const mark = url.search(/[?#]/);
  const path = mark === -1 ? url : url.slice(0, mark);
  const unprefixed =
    path === API_PREFIX ? '/' : path.startsWith(`${API_PREFIX}/`) ? path.slice(API_PREFIX.length) : path;
  // The router ignores a trailing slash (`ignoreTrailingSlash`).
  return unprefixed.length > 1 && unprefixed.endsWith('/') ? unprefixed.slice(0, -1) : unprefixed;
}

/** The path template a request's path falls under, if any (most literal segments first). */
function templateOf(document: OpenApiDocument, url: string): string | undefined {
  const path = pathOf(url);
  return indexOf(document).templates.find((template) => template.pattern.test(path))?.path;
}

export function findOperation(
  document: OpenApiDocument,
  method: string,
  url: string,
): DocumentedOperation | undefined {
  const path = templateOf(document, url);
  if (path === undefined) return undefined;
  const lookup = method.toUpperCase() === 'HEAD' ? 'get' : method.toLowerCase();
  const operation = document.paths[path]?.[lookup];
  return operation === undefined ? undefined : { path, method: lookup, operation };
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function validatorFor(document: OpenApiDocument, pointer: string): ValidateFunction {
  const index = indexOf(document);
  let validate = index.validators.get(pointer);
  if (validate === undefined) {
    validate = index.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
    index.validators.set(pointer, validate);
  }
  return validate;
}

function headerValue(headers: ObservedResponse['headers'], name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (found === undefined) return undefined;
  return Array.isArray(found) ? found.join(', ') : String(found);
}

/** `application/json; charset=utf-8` → `application/json`. */
function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function bodyText(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

function isJsonMedia(media: string): boolean {
  return media === 'application/json' || media.endsWith('+json');
}

function schemaProblems(
  document: OpenApiDocument,
  pointer: string,
  body: string | Buffer,
  where: string,
): string[] {
  let value: unknown;
  try {
    value = JSON.parse(bodyText(body));
  } catch {
    return [`${where}: body is not JSON: ${bodyText(body).slice(0, 200)}`];
  }
  const validate = validatorFor(document, pointer);
  if (validate(value)) return [];
  const issues = (validate.errors ?? [])
    .slice(0, 5)
    .map((issue) => `${issue.instancePath || '(root)'} ${issue.message ?? issue.keyword}`)
    .join('; ');
  return [`${where}: body does not match the documented schema (${issues}): ${bodyText(body).slice(0, 300)}`];
}

/** A request for no operation may only be refused with the error envelope. */
function unmatchedProblems(document: OpenApiDocument, response: ObservedResponse, where: string): string[] {
  if (!UNMATCHED_STATUSES.has(response.status)) {
    return [
      `${where}: no documented operation, and ${response.status} is not a refusal of an unknown target`,
    ];
  }
  if (response.method.toUpperCase() === 'HEAD' || response.body === undefined) return [];
  const media = mediaTypeOf(headerValue(response.headers, 'content-type'));
  if (media !== 'application/json')
    return [`${where}: refusal is ${media ?? 'untyped'}, not the JSON envelope`];
  if (document.components?.schemas?.ErrorEnvelope === undefined) {
    return [`${where}: the document defines no ErrorEnvelope for refusals of unknown targets`];
  }
  return schemaProblems(document, ERROR_ENVELOPE_POINTER, response.body, where);
}

/** Why this answer is not one the document states; empty when it is. */
export function documentedResponseProblems(document: OpenApiDocument, response: ObservedResponse): string[] {
  const method = response.method.toUpperCase();
  const where = `${method} ${response.url} → ${response.status}`;
  if (method === 'OPTIONS') return [];
  const found = findOperation(document, method, response.url);
  if (found === undefined) return unmatchedProblems(document, response, where);
  const responses = (found.operation.responses ?? {}) as Record<string, Json>;
  const statusKey = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find(
    (key) => responses[key] !== undefined,
  );
  if (statusKey === undefined) {
    const documented = Object.keys(responses).join(', ');
    return [
      `${where}: status not documented for ${found.method.toUpperCase()} ${found.path} (documents ${documented})`,
    ];
  }
  const content = responses[statusKey]?.content as Record<string, Json> | undefined;
  const media = mediaTypeOf(headerValue(response.headers, 'content-type'));
  const bodyLength =
    response.body === undefined ? undefined : Buffer.byteLength(response.body as string | Buffer);
  const hasBody = method !== 'HEAD' && !BODILESS_STATUSES.has(response.status) && bodyLength !== 0;
  if (content === undefined || Object.keys(content).length === 0) {
    if (hasBody && media !== undefined && bodyLength !== undefined) {
      return [`${where}: answers ${media} where the document states no body for ${found.path}`];
    }
    return [];
  }
  if (!hasBody) return [];
  if (media === undefined)
    return [`${where}: body without a Content-Type (documented: ${Object.keys(content)})`];
  const documentedType = Object.keys(content).find(
    (type) =>
      type.toLowerCase() === media || type === '*/*' || type.toLowerCase() === `${media.split('/')[0]}/*`,
  );
  if (documentedType === undefined) {
    return [
      `${where}: Content-Type ${media} not documented (documented: ${Object.keys(content).join(', ')})`,
    ];
  }
  if (response.body === undefined || !isJsonMedia(media) || content[documentedType]?.schema === undefined) {
    return [];
  }
  const pointer = [
    '#',
    'paths',
    found.path,
    found.method,
    'responses',
    statusKey,
    'content',
    documentedType,
    'schema',
  ]
    .map((segment, i) => (i === 0 ? segment : escapePointer(segment)))
    .join('/');
  return schemaProblems(document, pointer, response.body, where);
}

export function assertDocumentedResponse(document: OpenApiDocument, response: ObservedResponse): void {
  const problems = documentedResponseProblems(document, response);
  if (problems.length > 0) {
    throw new AssertionError({
      message: `Answer not documented in the OpenAPI document:\n${problems.join('\n')}`,
    });
  }
}

/** Bodies larger than this are not kept by the server-side check (their status and type still are). */
const MAX_CAPTURED_BODY = 4 * 1024 * 1024;

export interface AnswerCheck {
  /** Problems of answers sent by the listening server (an injected answer throws instead). */
  problems: () => string[];
}

/** Starts each line a gateway process writes about an answer its document does not state. */
export const UNDOCUMENTED_ANSWER_MARK = 'UNDOCUMENTED ANSWER: ';

/** The app's document as served at /openapi.json, built on first use (after the app is ready). */
export function documentOf(app: FastifyInstance): () => OpenApiDocument {
  let document: OpenApiDocument | undefined;
  // As served at /openapi.json: plain JSON.
  return () => {
    document ??= JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument;
    return document;
  };
}

type Chunk = string | Buffer | Uint8Array;

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.from(chunk);
}

/** Records what the server writes for one response: status, headers (also those given to writeHead) and body. */
function recordAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  onAnswer: (answer: ObservedResponse) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let kept = true;
  const headHeaders: Record<string, string | string[] | number | undefined> = {};
  const keep = (chunk: unknown, encoding: unknown) => {
    if (!kept || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = toBuffer(chunk as Chunk, encoding);
    size += buffer.length;
    if (size > MAX_CAPTURED_BODY) {
      kept = false;
      chunks.length = 0;
    } else chunks.push(buffer);
  };
  const { write, end, writeHead } = response;
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((arg, i) => i > 0 && typeof arg === 'object' && arg !== null);
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2)
        headHeaders[String(headers[i]).toLowerCase()] = headers[i + 1];
    } else if (headers !== undefined) {
      for (const [name, value] of Object.entries(headers as Record<string, string>))
        headHeaders[name.toLowerCase()] = value;
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof response.writeHead;
  response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof response.write;
  response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).apply(this, [chunk, ...rest]);
  } as typeof response.end;
  response.once('finish', () => {
    onAnswer({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      status: response.statusCode,
      headers: { ...response.getHeaders(), ...headHeaders },
      ...(kept ? { body: Buffer.concat(chunks) } : {}),
    });
  });
}

/**
 * Checks every answer `app` gives against its own OpenAPI document: injected answers (`app.inject`
 * rejects with the problems) and answers of the listening server, including those the HTTP server
 * gives before Fastify's router (collected in `problems()`).
 */
export function checkEveryAnswer(app: FastifyInstance): AnswerCheck {
  const document = documentOf(app);
  const problems: string[] = [];
  recordAnswersOf(app.server, (answer) => problems.push(...documentedResponseProblems(document(), answer)));
  const inject = app.inject.bind(app) as (options: unknown) => Promise<Response>;
  const checked = async (options: unknown): Promise<Response> => {
    const response = await inject(options);
    const request = response.raw.req;
    assertDocumentedResponse(document(), {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      status: response.statusCode,
      headers: response.headers,
      body: response.rawPayload,
    });
    return response;
  };
  app.inject = ((options?: unknown, callback?: (error: unknown, response?: Response) => void) => {
    if (options === undefined) return inject(options);
    if (callback === undefined) return checked(options);
    checked(options).then(
      (response) => callback(null, response),
      (error: unknown) => callback(error),
    );
  }) as FastifyInstance['inject'];
  return { problems: () => [...problems] };
}

/** Calls `onAnswer` for every answer `server` sends, before any other request listener runs. */
export function recordAnswersOf(server: Server, onAnswer: (answer: ObservedResponse) => void): void {
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) =>
    recordAnswer(request, response, onAnswer),
  );
}
