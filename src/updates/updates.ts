/**
 * The update routes as the composition root registers them: the JSON checks and the native feeds,
 * over one update service (which the fast lane shares).
 */
import type { FastifyInstance } from 'fastify';
import { feedRoutes } from './feeds/feed-routes.js';
import { updatesRoutes } from './updates-routes.js';
import type { UpdatesService } from './updates-service.js';

export async function updatesPlugin(app: FastifyInstance, deps: { updates: UpdatesService }) {
  const { updates } = deps;
  await app.register(updatesRoutes, { updates });
  await app.register(feedRoutes, { updates });
}
