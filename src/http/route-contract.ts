/**
 * Every route declares how it is guarded, in its options rather than in its handler:
 *   { config: { auth: 'key', permission: 'canReadVersions', rateGroup: 'key' } }
 * `buildApp` refuses to start when a route lacks a declaration, so nothing is exposed by accident.
 */
import type { RouteOptions } from 'fastify';
import { isPermission, type Permission } from '../keys/permissions.js';
import type { PresentedCredential } from './auth.js';

/**
 * `public`: anyone; `key`: any valid key holding `permission`; `admin`: only the configured admin key;
 * `session`: a console session (its cookie) of any key, and nothing else. `key` and `admin` routes
 * also take a console session in place of the key, with the CSRF token on writes.
 */
export type AuthMode = 'public' | 'key' | 'admin' | 'session';
export const AUTH_MODES: readonly AuthMode[] = ['public', 'key', 'admin', 'session'];

/** `exempt` is for liveness/readiness probes only. */
export type RateGroup = 'exempt' | 'key' | 'ip' | 'ai' | 'unauthenticated';
export const RATE_GROUPS: readonly RateGroup[] = ['exempt', 'key', 'ip', 'ai', 'unauthenticated'];

export interface RouteContract {
  auth: AuthMode;
  permission?: Permission;
  /** A second permission that is enough instead of `permission` (holding either admits the key). */
  orPermission?: Permission;
  rateGroup: RateGroup;
  /** Also counts against the caller's key-issuance budget (key creation and rotation). */
  limitIssuance?: boolean;
  /**
   * A credential other than a key that admits the request as well (the metrics token). It is checked
   * where keys are, after the IP's lockout; a request it admits has no caller.
   */
  acceptsToken?: (credential: PresentedCredential) => boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
    permission?: Permission;
    orPermission?: Permission;
    rateGroup?: RateGroup;
    limitIssuance?: boolean;
    acceptsToken?: (credential: PresentedCredential) => boolean;
  }
}

export interface InventoryEntry extends RouteContract {
  method: string;
  url: string;
}

function methodsOf(route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method];
}

/** Returns why a route's declaration is incomplete, or undefined when it is complete. */
export function routeContractProblem(
  route: Pick<RouteOptions, 'config' | 'method' | 'url'>,
): string | undefined {
  const config = (route.config ?? {}) as Partial<RouteContract>;
  const where = `${methodsOf(route as RouteOptions).join(',')} ${route.url}`;
  if (config.auth === undefined || !AUTH_MODES.includes(config.auth)) {
    return `${where} declares no auth mode (config.auth: ${AUTH_MODES.join(' | ')})`;
  }
  if (config.auth === 'key' && !isPermission(config.permission)) {
    return `${where} uses auth 'key' but declares no permission (config.permission)`;
  }
  if (config.permission !== undefined && !isPermission(config.permission)) {
    return `${where} declares an unknown permission ${String(config.permission)}`;
  }
  if (config.orPermission !== undefined && (!isPermission(config.orPermission) || !config.permission)) {
    return `${where} declares orPermission without a valid permission pair`;
  }
  if (config.rateGroup === undefined || !RATE_GROUPS.includes(config.rateGroup)) {
    return `${where} declares no rate-limit group (config.rateGroup: ${RATE_GROUPS.join(' | ')})`;
  }
  if (config.rateGroup === 'exempt' && config.auth !== 'public') {
    return `${where} is exempt from rate limits but not public`;
  }
  return undefined;
}

/** The declaration given to routes that plugins register for us (CORS preflight). */
export const PREFLIGHT_CONTRACT: RouteContract = { auth: 'public', rateGroup: 'ip' };

export function inventoryEntries(route: RouteOptions): InventoryEntry[] {
  const config = route.config as RouteContract;
  return methodsOf(route).map((method) => ({
    method,
    url: route.url,
    auth: config.auth,
    rateGroup: config.rateGroup,
    ...(config.permission ? { permission: config.permission } : {}),
    ...(config.orPermission ? { orPermission: config.orPermission } : {}),
  }));
}
