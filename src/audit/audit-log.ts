import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';

export interface AuditEvent {
  /** Who: a key name, or `admin`. */
  actor: string;
  /** What happened, `<domain>.<verb>` (e.g. `key.created`, `project.deleted`). */
  action: string;
  targetType: string;
  targetId: string;
  /** What changed. Never a secret: callers pass field names and non-secret values only. */
  details?: Record<string, unknown>;
  requestId?: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown>;
  request_id: string | null;
}

/** Append-only record of administrative writes, readable at `GET /admin/audit`. */
export function createAuditLog(deps: { db: Kysely<Tables>; clock: Clock }) {
  const { db, clock } = deps;
  return {
    async record(event: AuditEvent, executor: Kysely<Tables> = db): Promise<void> {
      await executor
        .insertInto('audit_log')
        .values({
          at: isoString(clock.now()),
          actor: event.actor,
          action: event.action,
          target_type: event.targetType,
          target_id: event.targetId,
          details: JSON.stringify(event.details ?? {}),
          request_id: event.requestId ?? null,
        })
        .execute();
    },

    async list(query: {
      page: number;
      perPage: number;
      action?: string;
      targetType?: string;
      targetId?: string;
      actor?: string;
      /** Entries about this project, its channels, versions and builds. */
      project?: string;
      /** ISO-8601 bounds of `at`: from inclusive, to exclusive. */
      from?: string;
      to?: string;
    }): Promise<{ entries: AuditEntry[]; total: number }> {
      let base = db.selectFrom('audit_log');
      if (query.action) base = base.where('action', '=', query.action);
      if (query.actor) base = base.where('actor', '=', query.actor);
      if (query.from) base = base.where('at', '>=', query.from);
      if (query.to) base = base.where('at', '<', query.to);
      if (query.project) {
        // Catalog targets are `<project>`, `<project>/<channel>`, `<project>/<channel>/<version>[/<build>]`;
        // project ids are slugs, so the prefix holds no LIKE wildcard.
        const project = query.project;
        base = base
          .where('target_type', 'in', ['project', 'channel', 'version', 'build'])
          .where((eb) => eb.or([eb('target_id', '=', project), eb('target_id', 'like', `${project}/%`)]));
      }
      if (query.targetType) base = base.where('target_type', '=', query.targetType);
      if (query.targetId) base = base.where('target_id', '=', query.targetId);
      const [rows, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('id', 'desc')
          .limit(query.perPage)
          .offset((query.page - 1) * query.perPage)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
      ]);
      return {
        entries: rows.map((row) => ({ ...row, id: Number(row.id), details: JSON.parse(row.details) })),
        total: Number(count.total),
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
