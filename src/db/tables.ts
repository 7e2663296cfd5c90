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

export interface ApiKeysTable {
  id: string;
  name: string;
  name_lower: string;
  description: string;
  key_hash: string;
  /** The first 8 secret characters, for masked display. */
  key_prefix: string;
  /** Hash of the secret replaced by the last rotation, valid until `previous_key_expires_at`. */
  previous_key_hash: string | null;
  previous_key_expires_at: string | null;
  /** JSON `PermissionSet`. */
  permissions: string;
  rate_limit: number | null;
  /** JSON array of project ids; null means every project. */
  allowed_projects: string | null;
  /** JSON array of strings. */
  tags: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  created_by: string;
}

export interface ApiKeyUsageDailyTable {
  key_id: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface Tables {
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  api_key_usage_daily: ApiKeyUsageDailyTable;
}
