import { PERMISSIONS, type Permission, type PermissionSet } from './permissions.js';

/** Who is calling: a verified API key or the admin key. Attached to the request by the auth plugin. */
export interface Caller {
  /** Key record id, or `admin`. */
  id: string;
  name: string;
  isAdmin: boolean;
  permissions: Readonly<PermissionSet>;
  /** Requests per 15 minutes; undefined means the configured default. */
  rateLimit: number | undefined;
  /** Projects this caller may see; undefined means every project. */
  allowedProjects: ReadonlySet<string> | undefined;
  /** Epoch ms; undefined means never. */
  expiresAt: number | undefined;
}

export const ALL_PERMISSIONS: Readonly<PermissionSet> = Object.freeze(
  Object.fromEntries(PERMISSIONS.map((p) => [p, true])) as PermissionSet,
);

export const ADMIN_CALLER: Caller = Object.freeze({
  id: 'admin',
  name: 'admin',
  isAdmin: true,
  permissions: ALL_PERMISSIONS,
  rateLimit: undefined,
  allowedProjects: undefined,
  expiresAt: undefined,
});

export function hasPermission(caller: Caller, permission: Permission): boolean {
  return caller.isAdmin || caller.permissions[permission] === true;
}

export function canSeeProject(caller: Caller, projectId: string): boolean {
  return caller.allowedProjects === undefined || caller.allowedProjects.has(projectId);
}

/**
 * Who downloads a build of a project with `public_feeds` without a key: sees that project only and
 * holds no permission, so it can do nothing else.
 */
export function publicDownloaderOf(projectId: string): Caller {
  return {
    id: 'public',
    name: 'public',
    isAdmin: false,
    permissions: Object.fromEntries(PERMISSIONS.map((p) => [p, false])) as PermissionSet,
    rateLimit: undefined,
    allowedProjects: new Set([projectId]),
    expiresAt: undefined,
  };
}
