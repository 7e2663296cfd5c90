import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** The longest path parameter accepted (a file name of 255 characters fits). */
export const MAX_PATH_PARAM_LENGTH = 256;

/**
 * What the router itself accepts. Far above `MAX_PATH_PARAM_LENGTH`, so that a long parameter is
 * routed like any request (rate limits, authentication, headers, log line) and refused by the hook
 * below with the error envelope, rather than by the router's own bare 414.
 */
export const ROUTER_MAX_PARAM_LENGTH = 65_536;

/**
 * Refuses a path parameter over `MAX_PATH_PARAM_LENGTH` with 414. Registered after the request
 * guard, so the request is counted against its budgets and authenticated first like any other.
 * Wildcard segments (`*`) are whole sub-paths and are not parameters in this sense.
 */
export function registerPathParamLimit(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const params = request.params as Record<string, string> | undefined;
    if (params === undefined) return;
    for (const [name, value] of Object.entries(params)) {
      if (name !== '*' && typeof value === 'string' && value.length > MAX_PATH_PARAM_LENGTH) {
        throw new AppError(
          'URI_TOO_LONG',
          `The path parameter ${name} is longer than ${MAX_PATH_PARAM_LENGTH} characters`,
          {
            location: 'params',
            fields: [{ field: name, message: `must not be longer than ${MAX_PATH_PARAM_LENGTH} characters` }],
          },
        );
      }
    }
  });
}
