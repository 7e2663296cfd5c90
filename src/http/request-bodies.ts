import type { FastifyInstance } from 'fastify';

/**
 * The body parsers every route inherits, registered before any route. JSON is the one body type
 * (routes that take another, uploads and the GitHub webhook, add theirs in their own scope), so a
 * `text/plain` body is 415 like any other type rather than a string that then fails validation.
 * An empty JSON body is no body: clients that always send `Content-Type: application/json` can call
 * routes that take none (publish, delete, verify); routes that need one still answer 400.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
}
