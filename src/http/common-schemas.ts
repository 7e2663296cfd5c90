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
