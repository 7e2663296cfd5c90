/**
 * No privilege escalation: a non-admin key that may create keys can only grant a subset of its own
 * permissions and projects, no higher rate limit and no longer life than its own; one that may
 * revoke keys can only revoke keys it could have created.
 */
import type { Caller } from './caller.js';
import { PERMISSIONS, type PermissionSet } from './permissions.js';

export interface KeyGrant {
  permissions: PermissionSet;
  /** Effective requests per window (the default already applied). */
  rateLimit: number;
  /** undefined = every project. */
  allowedProjects: readonly string[] | undefined;
  /** Epoch ms; undefined = never expires. */
  expiresAt: number | undefined;
}

/** Why `caller` may not grant `grant`; empty when it may. */
export function grantProblems(caller: Caller, grant: KeyGrant, defaultRateLimit: number): string[] {
  if (caller.isAdmin) return [];
  const problems: string[] = [];
  for (const permission of PERMISSIONS) {
    if (grant.permissions[permission] && !caller.permissions[permission]) {
      problems.push(`cannot grant ${permission}, which this key does not hold`);
    }
  }
  if (caller.allowedProjects !== undefined) {
    if (grant.allowedProjects === undefined) {
      problems.push('cannot grant access to every project: this key is restricted to some projects');
    } else {
      for (const project of grant.allowedProjects) {
        if (!caller.allowedProjects.has(project)) problems.push(`cannot grant project ${project}`);
      }
    }
  }
  const callerLimit = caller.rateLimit ?? defaultRateLimit;
  if (grant.rateLimit > callerLimit) {
    problems.push(`cannot grant a rate limit above this key's own (${callerLimit})`);
  }
  if (
    caller.expiresAt !== undefined &&
    (grant.expiresAt === undefined || grant.expiresAt > caller.expiresAt)
  ) {
    problems.push('cannot grant a key that outlives this key');
  }
  return problems;
}

export function couldHaveGranted(caller: Caller, grant: KeyGrant, defaultRateLimit: number): boolean {
  return (
    grantProblems(caller, { ...grant, expiresAt: caller.expiresAt ?? grant.expiresAt }, defaultRateLimit)
      .length === 0
  );
}
