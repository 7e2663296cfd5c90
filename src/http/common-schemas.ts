import { Type } from 'typebox';
import { ERROR_CODES } from '../errors.js';

export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
      message: Type.String(),
      details: Type.Optional(Type.Object({}, { additionalProperties: true })),
      documentation_url: Type.String({ format: 'uri' }),
      request_id: Type.String(),
    }),
  },
  {
    $id: 'ErrorEnvelope',
    description: 'Every error response, whatever the status',
    examples: [
      {
        error: {
          code: 'PROJECT_NOT_FOUND',
          message: "Project 'nonexistent' not found",
          details: { project: 'nonexistent', available_projects: ['trackly', 'csviewer'] },
          documentation_url: 'https://api.lunarbit.dev/docs/errors#PROJECT_NOT_FOUND',
          request_id: 'req_abc123xyz',
        },
      },
    ],
  },
);

/** Error responses a route documents; the envelope itself is rendered by the error handler. */
export function errorResponses(...statuses: number[]) {
  const responses: Record<number, { $ref: string; description: string }> = {};
  for (const status of statuses)
    responses[status] = { $ref: 'ErrorEnvelope#', description: `Error (${status})` };
  return responses;
}

/**
 * A response whose body is not JSON (a feed file, a page), documented with its real media type so
 * that clients and generators do not expect JSON. Fastify sends such string bodies as they are.
 */
export function documentResponse(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: Type.String() } } };
}

/** A 200 that is JSON, or a server-sent event stream when the request asks for `stream: true`. */
export function jsonOrEventStream<T extends object>(json: T, streamDescription: string) {
  return {
    description: 'The answer: JSON, or server-sent events with `stream: true`',
    content: {
      'application/json': { schema: json },
      'text/event-stream': { schema: Type.String({ description: streamDescription }) },
    },
  };
}
