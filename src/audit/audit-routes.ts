import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../http/common-schemas.js';
import { isoString } from '../infra/clock.js';
import type { AuditLog } from './audit-log.js';

const AuditQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    target_type: Type.Optional(Type.String({ maxLength: 100 })),
    target_id: Type.Optional(Type.String({ maxLength: 200 })),
    actor: Type.Optional(Type.String({ maxLength: 100, description: 'A key name, or `admin`' })),
    project: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
        description: 'Entries about this project, its channels, versions and builds',
      }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
  },
  { additionalProperties: false },
);

const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
  request_id: Type.Union([Type.String(), Type.Null()]),
});

export async function auditRoutes(instance: FastifyInstance, deps: { audit: AuditLog }) {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/admin/audit',
    {
      config: { auth: 'admin', rateGroup: 'key' },
      schema: {
        tags: ['keys'],
        summary: 'The audit log of administrative writes, newest first',
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            entries: Type.Array(AuditEntrySchema),
            total: Type.Integer(),
            page: Type.Integer(),
            per_page: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const query = request.query;
      const { entries, total } = await deps.audit.list({
        page: query.page,
        perPage: query.per_page,
        ...(query.action ? { action: query.action } : {}),
        ...(query.target_type ? { targetType: query.target_type } : {}),
        ...(query.target_id ? { targetId: query.target_id } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.project ? { project: query.project } : {}),
        ...(query.from ? { from: isoString(Date.parse(query.from)) } : {}),
        ...(query.to ? { to: isoString(Date.parse(query.to)) } : {}),
      });
      return { entries, total, page: query.page, per_page: query.per_page };
    },
  );
}
