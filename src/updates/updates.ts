/**
 * The update service as the composition root registers it: one service over the catalog's read
 * model, the JSON checks and the native feeds.
 */
import type { FastifyInstance } from 'fastify';
import type { CatalogReadModel } from '../catalog/catalog-read-model.js';
import { feedRoutes } from './feeds/feed-routes.js';
import { updatesRoutes } from './updates-routes.js';
import { createUpdatesService } from './updates-service.js';

export async function updatesPlugin(
  app: FastifyInstance,
  deps: { readModel: CatalogReadModel; launcherProjectId: string },
) {
  const updates = createUpdatesService(deps);
  await app.register(updatesRoutes, { updates });
  await app.register(feedRoutes, { updates });
}
