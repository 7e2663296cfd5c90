import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type ErrorDetails, errorEnvelope, lunarCoreName } from '../errors.js';
import { storageUnavailable } from '../infra/storage-health.js';
import { CLIENT_CLOSED_REQUEST } from './abandoned-requests.js';
import { bodyTimeoutOf } from './body-deadline.js';
import type { DocsBaseOf } from './link-base.js';
import { setStandardHeaders } from './security-headers.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMIT_EXCEEDED',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's output into `{field, message}` pairs a client can act on. */
function describeValidation(error: FastifyError): ErrorDetails {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const location = error.validationContext ?? 'request';
  return {
    location,
    fields: issues.map((issue) => {
      const missing = issue.params?.missingProperty;
      const extra = issue.params?.additionalProperty;
      const base = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
      const field = [base, missing ?? extra].filter((part) => part !== undefined && part !== '').join('.');
      const message = extra !== undefined ? 'is not an accepted field' : (issue.message ?? 'is invalid');
      return { field: field === '' ? location : field, message };
    }),
  };
}

/** Maps anything thrown to (code, message, details), never leaking internals of unexpected errors. */
export function classifyError(error: unknown): { code: ErrorCode; message: string; details?: ErrorDetails } {
  if (error instanceof AppError) {
    return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return {
      code: 'INVALID_REQUEST',
      message: `Invalid ${fastifyError.validationContext ?? 'request'}: ${fastifyError.message}`,
      details: describeValidation(fastifyError),
    };
  }
  const status = fastifyError.statusCode;
  if (status === 400 && (fastifyError.code?.includes('JSON') || error instanceof SyntaxError)) {
    return { code: 'INVALID_REQUEST', message: 'The request body is not valid JSON' };
  }
  if (status === 413)
    return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body exceeds the size limit' };
  if (status === 415) {
    return {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'This Content-Type is not accepted here; send application/json',
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return { code: STATUS_CODES[status] ?? 'INVALID_REQUEST', message: fastifyError.message };
  }
  return {
    code: 'INTERNAL_ERROR',
    message: 'An unexpected error occurred; quote the request id when reporting it',
  };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  docsBase: string,
  code: ErrorCode,
  message: string,
  details?: ErrorDetails,
): FastifyReply {
  const body = errorEnvelope(code, message, details, request.id, docsBase);
  request.errorCode = code;
  setStandardHeaders(reply, request.id);
  return reply
    .code(reply.statusCode >= 400 ? reply.statusCode : 500)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}

/** The work was cancelled because the client's connection is gone (an AI call stopped on its signal). */
function isClientGone(error: unknown, request: FastifyRequest): boolean {
  return (
    error instanceof AppError && error.details?.kind === 'aborted' && request.raw.socket?.destroyed === true
  );
}

export function registerErrorHandling(app: FastifyInstance, docsBaseOf: DocsBaseOf): void {
  app.setErrorHandler((thrown, request, reply) => {
    // A body that missed its deadline is 408 whatever its reader threw when it was cut off; a full
    // disk or read-only database is 503 with Retry-After (the log keeps the original error).
    const error = bodyTimeoutOf(request) ?? storageUnavailable(thrown) ?? thrown;
    const { code, message, details } = classifyError(error);
    if (isClientGone(error, request)) {
      request.log.info({ code: lunarCoreName(code) }, 'the client closed the connection before the answer');
      reply.code(CLIENT_CLOSED_REQUEST);
      return sendError(request, reply, docsBaseOf(request.raw), code, message, details);
    }
    const status = error instanceof AppError ? error.status : ((error as FastifyError).statusCode ?? 500);
    const finalStatus = code === 'INTERNAL_ERROR' ? 500 : status;
    if (finalStatus >= 500) {
      request.log.error({ err: thrown, code: lunarCoreName(code) }, 'request failed');
    }
    if (error instanceof AppError && error.headers) reply.headers(error.headers);
    reply.code(finalStatus);
    return sendError(request, reply, docsBaseOf(request.raw), code, message, details);
  });

  app.setNotFoundHandler({}, (request, reply) => {
    reply.code(404);
    return sendError(
      request,
      reply,
      docsBaseOf(request.raw),
      'NOT_FOUND',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    );
  });
}

/**
 * For Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a path
 * whose percent-encoding is broken, a parameter beyond the router's own length limit) still gets
 * the envelope, the security headers and the request id.
 */
export function frameworkErrorHandler(docsBaseOf: DocsBaseOf) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { code, message } = classifyError(error);
    reply.code(error.statusCode ?? 400);
    sendError(request, reply, docsBaseOf(request.raw), code, message);
  };
}
