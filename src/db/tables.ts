/**
 * Table types for Kysely. Portable across SQLite and PostgreSQL: timestamps are ISO-8601 UTC text
 * (they sort as text), booleans are 0/1 integers, structured values are JSON text.
 */
import type { Generated } from 'kysely';

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON text: what changed, never a secret. */
  details: string;
  request_id: string | null;
}

export interface Tables {
  audit_log: AuditLogTable;
}
