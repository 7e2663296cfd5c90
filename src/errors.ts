/**
 * One error contract for the whole gateway: every failure becomes an `AppError` with a code from
 * `ERROR_CATALOGUE`, and the error handler renders the envelope from the API reference.
 */

export interface ErrorDefinition {
  readonly status: number;
  readonly meaning: string;
}

export const ERROR_CATALOGUE = {
  INVALID_REQUEST: {
    status: 400,
    meaning: 'The request body, query or path parameters are malformed or invalid.',
  },
  UNAUTHORIZED: { status: 401, meaning: 'Credentials are missing, malformed, unknown, expired or revoked.' },
  FORBIDDEN: {
    status: 403,
    meaning: 'The credentials are valid but lack the permission this operation needs.',
  },
  NOT_FOUND: { status: 404, meaning: 'No resource or route exists at this path.' },
  PROJECT_NOT_FOUND: { status: 404, meaning: 'The project does not exist or is not visible to this key.' },
  CHANNEL_NOT_FOUND: { status: 404, meaning: 'The channel does not exist in this project.' },
  VERSION_NOT_FOUND: { status: 404, meaning: 'The version does not exist in this channel.' },
  BUILD_NOT_FOUND: { status: 404, meaning: 'The build does not exist for this version.' },
  KEY_NOT_FOUND: { status: 404, meaning: 'No live API key has this name or id.' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists but not for this HTTP method.' },
  REQUEST_TIMEOUT: {
    status: 408,
    meaning:
      'The request body did not arrive within `BODY_TIMEOUT_MS` (an upload: no byte arrived for that long). ' +
      'The connection is closed; send the request again on a new one.',
  },
  CONFLICT: { status: 409, meaning: 'The request conflicts with the current state (duplicate name or id).' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The request body exceeds the configured limit.' },
  URI_TOO_LONG: { status: 414, meaning: 'A path parameter is longer than 256 characters.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'The Content-Type of the request body is not accepted by this route.',
  },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    meaning: 'The requested byte range lies outside the file; `Content-Range` gives its size.',
  },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    meaning: 'Too many requests in the current window; retry after the given time.',
  },
  INTERNAL_ERROR: {
    status: 500,
    meaning: 'An unexpected server-side error occurred; the request id identifies it in logs.',
  },
  AI_PROVIDER_ERROR: {
    status: 502,
    meaning: 'The AI provider answered with an error or an invalid response.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    meaning:
      'A dependency the gateway needs (database, cache) is unavailable, or the gateway is shutting down ' +
      '(`details.reason` is `shutting_down`): repeat the request after `Retry-After` seconds, on a new connection.',
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    meaning:
      'The gateway cannot store anything right now: its disk is full, its database is read-only or its disk fails. ' +
      'Nothing was stored; repeat the request after `Retry-After` seconds. `details.storage` and `details.reason` say which and why.',
  },
  AI_UNAVAILABLE: {
    status: 503,
    meaning:
      'No AI provider is available for this request: none configured or all cooling down after failures, or ' +
      '(`details.reason: at_capacity`) every provider serving it stayed at its concurrency limit for ' +
      '`AI_QUEUE_TIMEOUT_MS`. Retry after `Retry-After` seconds when present.',
  },
  UPSTREAM_TIMEOUT: { status: 504, meaning: 'An upstream service did not answer in time.' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** The LunarCore name of a code, used in logs and in the error catalogue. */
export function lunarCoreName(code: ErrorCode): string {
  return `LC_ERR_${code}`;
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  /** Extra response headers (e.g. `Retry-After`) that belong to this error. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: ErrorDetails,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf(code);
    this.details = details;
    this.headers = options?.headers;
  }
}

export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    details?: ErrorDetails;
    documentation_url: string;
    request_id: string;
  };
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  details: ErrorDetails | undefined,
  requestId: string,
  docsBaseUrl: string,
): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = {
    code,
    message,
    documentation_url: `${docsBaseUrl}/docs/errors#${code}`,
    request_id: requestId,
  };
  if (details !== undefined) error.details = details;
  return { error };
}
