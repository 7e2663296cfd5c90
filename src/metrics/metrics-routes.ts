import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { presentedCredential, unauthorized } from '../http/auth.js';
import { documentResponse, errorResponses } from '../http/common-schemas.js';
import type { KeyVerifier } from '../keys/key-verifier.js';
import type { Metrics } from './metrics.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` for Prometheus. Scrapers often cannot hold an admin key, so a separate
 * `METRICS_TOKEN` is accepted too; either goes in `Authorization: Bearer …`.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; verifier: KeyVerifier; metricsToken: string | undefined },
) {
  const tokenDigest = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  app.get(
    '/metrics',
    {
      // The token check is here rather than in the request guard because a metrics token is not a key.
      config: { auth: 'public', rateGroup: 'ip' },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics',
        description:
          'Text exposition format. Needs `Authorization: Bearer <METRICS_TOKEN>` or the admin key.',
        security: [{ bearerAuth: [] }],
        response: {
          200: documentResponse('text/plain', 'Prometheus text exposition format'),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const credential = presentedCredential(request);
      if (credential.kind !== 'key') throw unauthorized();
      const isToken = tokenDigest !== undefined && timingSafeEqual(digest(credential.value), tokenDigest);
      if (!isToken) {
        const caller = await deps.verifier.verify(credential.value);
        if (caller === undefined) throw unauthorized();
        if (!caller.isAdmin) throw new AppError('FORBIDDEN', 'Metrics need the admin key or METRICS_TOKEN');
      }
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    },
  );
}
