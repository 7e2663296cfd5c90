import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PresentedCredential } from '../http/auth.js';
import { documentResponse, errorResponses } from '../http/common-schemas.js';
import type { Metrics } from './metrics.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` for Prometheus. Scrapers often cannot hold an admin key, so a separate
 * `METRICS_TOKEN` is accepted too; either goes in `Authorization: Bearer …`.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; metricsToken: string | undefined },
) {
  const tokenDigest = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  const isMetricsToken = (credential: PresentedCredential) =>
    tokenDigest !== undefined &&
    credential.kind === 'key' &&
    timingSafeEqual(digest(credential.value), tokenDigest);
  app.get(
    '/metrics',
    {
      // Wrong tokens count against the IP's unauthenticated budget like wrong keys.
      config: { auth: 'admin', rateGroup: 'ip', acceptsToken: isMetricsToken },
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
    async (_request, reply) => {
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    },
  );
}
