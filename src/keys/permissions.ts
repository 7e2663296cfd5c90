/** The permissions a key can hold: the six of the API reference plus catalog management. */
export const PERMISSIONS = [
  'canReadProjects',
  'canReadVersions',
  'canCheckUpdates',
  'canUseAI',
  'canCreateKeys',
  'canRevokeKeys',
  'canManageProjects',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export type PermissionSet = Record<Permission, boolean>;

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}
