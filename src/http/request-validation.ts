/**
 * How request parts are validated. JSON bodies are taken as sent: `"name": 123`, `["n"]` or
 * `"public_feeds": "true"` are type errors, not values to coerce. Query strings, path parameters
 * and headers arrive as text, so they alone are parsed into the types their schemas declare
 * (`?page=2`, `?include_revoked=true`). Failures are explained in words a client can act on.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';
import { PLAIN_TEXT_MESSAGE, PLAIN_TEXT_PATTERN } from './input-rules.js';

type BuildValidator = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;
type AjvServerOptions = Parameters<BuildValidator>[1];

interface RouteDefinition {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

type Validate = ((data: unknown, context?: unknown) => boolean) & {
  errors?: ValidationIssue[] | null;
  schemaEnv?: unknown;
};

/** The value an issue points at (`/permissions/canUseAI` → `data.permissions.canUseAI`). */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return value;
}

function explain(issue: ValidationIssue, data: unknown, httpPart: string | undefined): ValidationIssue {
  if (issue.keyword === 'pattern' && issue.params.pattern === PLAIN_TEXT_PATTERN) {
    return { ...issue, message: PLAIN_TEXT_MESSAGE };
  }
  if (issue.keyword === 'type' && valueAt(data, issue.instancePath) === null) {
    // Fastify hands an absent body to the validator as null.
    if (issue.instancePath === '' && httpPart === 'body') {
      return { ...issue, message: 'is missing: send a JSON object' };
    }
    return { ...issue, message: `must be ${issue.params.type}; null is not allowed` };
  }
  return issue;
}

/**
 * Numbers that coercion from text made infinite. Ajv turns `?page=1e400` into Infinity, which its
 * integer check lets through and its `minimum`/`maximum` checks skip (they test finite numbers only).
 */
function nonFiniteIssues(data: unknown, pointer = ''): ValidationIssue[] {
  if (typeof data === 'number') {
    if (Number.isFinite(data)) return [];
    return [
      {
        keyword: 'type',
        instancePath: pointer,
        params: { type: 'number' },
        message: 'must be a finite number',
      },
    ];
  }
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) =>
    nonFiniteIssues(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`),
  );
}

/** Wraps a compiled validator so that its errors read well; keeps what Fastify looks for on it. */
function explained(validate: Validate, httpPart: string | undefined, coerced: boolean): Validate {
  const wrapped: Validate = (data, context) => {
    const valid = context === undefined ? validate(data) : validate(data, context);
    const infinite = valid && coerced ? nonFiniteIssues(data) : [];
    if (infinite.length > 0) {
      wrapped.errors = infinite;
      return false;
    }
    wrapped.errors = valid ? null : (validate.errors ?? []).map((issue) => explain(issue, data, httpPart));
    return valid;
  };
  // Fastify passes the parent object (needed to coerce a root value) only to Ajv functions.
  if (validate.schemaEnv !== undefined) wrapped.schemaEnv = validate.schemaEnv;
  return wrapped;
}

/** For Fastify's `schemaController.compilersFactory.buildValidator`. */
export function requestValidatorFactory(): BuildValidator {
  const pool = AjvCompiler();
  return ((externalSchemas: Record<string, unknown>, serverOptions: AjvServerOptions) => {
    const options = (serverOptions ?? {}) as { customOptions?: Record<string, unknown> };
    const compilerWith = (coerceTypes: false | 'array') =>
      pool(
        externalSchemas as never,
        {
          ...options,
          customOptions: { ...options.customOptions, coerceTypes },
        } as never,
      );
    const asSent = compilerWith(false);
    const fromText = compilerWith('array');
    return (route: RouteDefinition) => {
      const coerced = route.httpPart !== 'body';
      const compile = coerced ? fromText : asSent;
      return explained(compile(route as never) as unknown as Validate, route.httpPart, coerced);
    };
  }) as unknown as BuildValidator;
}
