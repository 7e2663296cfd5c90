/**
 * Rules every request input obeys, added to each route's schemas when the route is registered, so a
 * new field cannot forget them and the OpenAPI document states them where a client generator or a
 * fuzzer reads them:
 *
 * - text refuses control characters except tab and line breaks (PostgreSQL cannot store NUL, and
 *   no name, note or file name means an escape sequence);
 * - numbers stay within the integers both databases and JavaScript hold exactly (a bigint column
 *   holds more, an unbounded JSON number does not fit any column);
 * - a property with a default may be left out (the validator fills in the default), so it is not
 *   required: `?page`, `?per_page`, `?sort`, `?force` are optional in the document as they are;
 * - the answers these rules and the body parser produce are documented: 400 where anything is
 *   validated or a body may be sent, 413 and 415 where a body may be sent, 414 where the path has
 *   parameters.
 */
import { MAX_PATH_PARAM_LENGTH } from './path-params.js';

/** Tab, LF and CR are allowed; every other C0 control, DEL and the C1 controls are not. */
export const PLAIN_TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$';
export const PLAIN_TEXT_MESSAGE =
  'must not contain control characters (NUL, ESC, …); only tab and line breaks are allowed';
const PLAIN_TEXT = new RegExp(PLAIN_TEXT_PATTERN, 'u');

/** The text rule, for input that is not validated by a schema (multipart form fields). */
export function isPlainText(text: string): boolean {
  return PLAIN_TEXT.test(text);
}

/**
 * Text handed to a model as is (chat messages, tool-call arguments): terminal output with its escape
 * sequences is a legitimate thing to ask about and is never stored, so only NUL is refused there.
 * Schemas opt in by setting this pattern.
 */
export const MODEL_TEXT_PATTERN = '^[^\\u0000]*$';

export const MAX_INPUT_INTEGER = Number.MAX_SAFE_INTEGER;

type Schema = Record<string, unknown>;

const REQUEST_PARTS = ['body', 'querystring', 'params', 'headers'] as const;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const SUBSCHEMA_SINGLE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const;
const SUBSCHEMA_MAPS = ['properties', 'patternProperties'] as const;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(schema: Schema, type: string): boolean {
  return schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));
}

/**
 * A copy of `schema` with the text and number rules on every string and number inside it, and with
 * properties that have a default no longer required.
 */
export function withInputRules(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const out: Schema = { ...schema };
  for (const key of SUBSCHEMA_LISTS) {
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(withInputRules);
  }
  for (const key of SUBSCHEMA_SINGLE) {
    if (isSchema(out[key])) out[key] = withInputRules(out[key]);
  }
  for (const key of SUBSCHEMA_MAPS) {
    if (isSchema(out[key])) {
      out[key] = Object.fromEntries(
        Object.entries(out[key] as Schema).map(([name, sub]) => [name, withInputRules(sub)]),
      );
    }
  }
  if (Array.isArray(out.required) && isSchema(out.properties)) {
    const properties = out.properties as Schema;
    const required = (out.required as string[]).filter(
      (name) => !isSchema(properties[name]) || (properties[name] as Schema).default === undefined,
    );
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  if (hasType(out, 'string') && out.enum === undefined && out.const === undefined) {
    if (out.pattern === undefined) out.pattern = PLAIN_TEXT_PATTERN;
    else if (out.pattern !== PLAIN_TEXT_PATTERN && out.pattern !== MODEL_TEXT_PATTERN) {
      const rules = Array.isArray(out.allOf) ? (out.allOf as unknown[]) : [];
      if (!rules.some((rule) => isSchema(rule) && rule.pattern === PLAIN_TEXT_PATTERN)) {
        out.allOf = [...rules, { pattern: PLAIN_TEXT_PATTERN }];
      }
    }
  }
  if (hasType(out, 'integer') || hasType(out, 'number')) {
    out.maximum = Math.min(
      typeof out.maximum === 'number' ? out.maximum : MAX_INPUT_INTEGER,
      MAX_INPUT_INTEGER,
    );
    out.minimum = Math.max(
      typeof out.minimum === 'number' ? out.minimum : -MAX_INPUT_INTEGER,
      -MAX_INPUT_INTEGER,
    );
  }
  return out;
}

/**
 * The route's schema with the input rules applied to its request parts and the answers they can
 * produce added to its documented responses (only to routes that document responses at all).
 */
export function withInputContract<T extends object>(
  schema: T | undefined,
  methods: string | string[],
  url: string,
): T | undefined {
  if (schema === undefined) return undefined;
  const out: Schema = { ...(schema as Schema) };
  for (const part of REQUEST_PARTS) {
    const value = out[part];
    if (part === 'body' && isSchema(value) && isSchema(value.content)) {
      const content = value.content as Record<string, Schema>;
      out.body = {
        ...value,
        content: Object.fromEntries(
          Object.entries(content).map(([type, media]) => [
            type,
            { ...media, schema: withInputRules(media.schema) },
          ]),
        ),
      };
    } else if (value !== undefined) {
      out[part] = withInputRules(value);
    }
  }
  if (!isSchema(out.response)) return out as T;
  const responses: Schema = { ...out.response };
  const add = (status: number, description: string) => {
    if (responses[status] === undefined) responses[status] = { $ref: 'ErrorEnvelope#', description };
  };
  const takesBody = [methods].flat().some((method) => BODY_METHODS.has(method));
  // A body is parsed (and may be malformed JSON) on these methods whether or not the route reads it.
  if (takesBody || REQUEST_PARTS.some((part) => out[part] !== undefined)) {
    add(400, 'Invalid request (INVALID_REQUEST)');
  }
  if (takesBody) {
    add(413, 'The body exceeds the size limit (PAYLOAD_TOO_LARGE)');
    add(415, 'A Content-Type this route does not accept (UNSUPPORTED_MEDIA_TYPE)');
    add(408, 'The body did not arrive within BODY_TIMEOUT_MS (REQUEST_TIMEOUT)');
  }
  if (url.includes(':')) {
    add(414, `A path parameter longer than ${MAX_PATH_PARAM_LENGTH} characters (URI_TOO_LONG)`);
  }
  out.response = responses;
  return out as T;
}
