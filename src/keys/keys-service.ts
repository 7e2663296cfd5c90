import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { isUniqueViolation } from '../db/dialect.js';
import { AppError } from '../errors.js';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import type { Caller } from './caller.js';
import { durationEnd, LATEST_EXPIRY, shownExpiry } from './key-expiry.js';
import { generateApiKey, hashApiKey, KEY_PREFIX, maskApiKey } from './key-format.js';
import { couldHaveGranted, grantProblems, type KeyGrant } from './key-grants.js';
import type { KeyUsageTracker } from './key-usage.js';
import type { KeyVerifier } from './key-verifier.js';
import { callerFromRow } from './key-verifier.js';
import type { ApiKeyRow, KeysRepo } from './keys-repo.js';
import type { CreateKeyInput, KeyStats, KeyViewShape, UpdateKeyInput } from './keys-schemas.js';
import { PERMISSIONS, type PermissionSet } from './permissions.js';

const RESERVED_NAMES = new Set(['admin']);
const STATS_DAYS = 30;
const SAVE_WARNING = 'Save this key now - it will not be shown again!';

export interface KeysServiceConfig {
  defaultRateLimit: number;
}

interface Context {
  caller: Caller;
  requestId: string;
}

function fullPermissions(input: Partial<PermissionSet> | undefined, base?: PermissionSet): PermissionSet {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, input?.[p] ?? base?.[p] ?? false])) as PermissionSet;
}

function statusOf(row: ApiKeyRow, now: number): KeyViewShape['status'] {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now) return 'expired';
  return 'active';
}

export function createKeysService(deps: {
  repo: KeysRepo;
  verifier: KeyVerifier;
  usage: KeyUsageTracker;
  audit: AuditLog;
  clock: Clock;
  config: KeysServiceConfig;
}) {
  const { repo, verifier, usage, audit, clock, config } = deps;

  function view(row: ApiKeyRow): KeyViewShape {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      key: maskApiKey(`${KEY_PREFIX}${row.key_prefix}`),
      status: statusOf(row, clock.now()),
      permissions: fullPermissions(JSON.parse(row.permissions) as PermissionSet),
      rateLimit: row.rate_limit,
      allowedProjects: row.allowed_projects === null ? null : (JSON.parse(row.allowed_projects) as string[]),
      tags: JSON.parse(row.tags) as string[],
      createdAt: row.created_at,
      expiresAt: shownExpiry(row.expires_at),
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
      createdBy: row.created_by,
    };
  }

  function grantOf(row: ApiKeyRow): KeyGrant {
    const caller = callerFromRow(row);
    return {
      permissions: caller.permissions,
      rateLimit: caller.rateLimit ?? config.defaultRateLimit,
      allowedProjects: caller.allowedProjects ? [...caller.allowedProjects] : undefined,
      expiresAt: caller.expiresAt,
    };
  }

  /** Expiry from `expiresIn` or `expiresAt` (not both); null clears it; must lie in the future. */
  function resolveExpiry(input: {
    expiresIn?: string;
    expiresAt?: string | null;
  }): string | null | undefined {
    if (input.expiresIn !== undefined && input.expiresAt !== undefined) {
      throw new AppError('INVALID_REQUEST', 'Give either expiresIn or expiresAt, not both');
    }
    const now = clock.now();
    if (input.expiresIn !== undefined) return isoString(boundedEnd('expiresIn', now, input.expiresIn));
    if (input.expiresAt === undefined || input.expiresAt === null) return input.expiresAt;
    const at = Date.parse(input.expiresAt);
    if (!(at > now))
      throw new AppError('INVALID_REQUEST', 'expiresAt must be in the future', { field: 'expiresAt' });
    return isoString(at);
  }

  /** The end of a duration from now; 400 naming the field when it ends after year 9999. */
  function boundedEnd(field: 'expiresIn' | 'gracePeriod', now: number, duration: string): number {
    const end = durationEnd(now, duration);
    if (end !== undefined) return end;
    const message = `must end by ${LATEST_EXPIRY}: a key cannot outlive the year 9999`;
    throw new AppError('INVALID_REQUEST', `${field} ${message}`, {
      location: 'body',
      fields: [{ field, message }],
    });
  }

  async function findLiveOrThrow(nameOrId: string): Promise<ApiKeyRow> {
    const row = await repo.findLive(nameOrId);
    if (row === undefined)
      throw new AppError('KEY_NOT_FOUND', `No live API key named '${nameOrId}'`, { key: nameOrId });
    return row;
  }

  function assertMayManage(caller: Caller, row: ApiKeyRow, verb: string): void {
    if (!couldHaveGranted(caller, grantOf(row), config.defaultRateLimit)) {
      throw new AppError(
        'FORBIDDEN',
        `This key may not ${verb} '${row.name}': it holds rights this key could not grant`,
      );
    }
  }

  function issued(row: ApiKeyRow, key: string, message: string, previousKeyValidUntil?: string | null) {
    const shown = view(row);
    return {
      message,
      key,
      id: shown.id,
      name: shown.name,
      description: shown.description,
      permissions: shown.permissions,
      rateLimit: shown.rateLimit,
      allowedProjects: shown.allowedProjects,
      tags: shown.tags,
      createdAt: shown.createdAt,
      expiresAt: shown.expiresAt,
      createdBy: shown.createdBy,
      ...(previousKeyValidUntil !== undefined ? { previousKeyValidUntil } : {}),
      warning: SAVE_WARNING,
    };
  }

  return {
    async create({ caller, requestId }: Context, input: CreateKeyInput) {
      const name = input.name.trim();
      if (RESERVED_NAMES.has(name.toLowerCase())) {
        throw new AppError('INVALID_REQUEST', `The key name '${name}' is reserved`, { field: 'name' });
      }
      const permissions = fullPermissions(input.permissions);
      // A restricted creator's limits (expiry, rate, projects) carry over to what it creates unless
      // it narrows them further.
      const expiresAt =
        resolveExpiry(input) ?? (caller.expiresAt === undefined ? null : isoString(caller.expiresAt));
      const rateLimit = input.rateLimit ?? (caller.isAdmin ? null : (caller.rateLimit ?? null));
      const allowedProjects =
        input.allowedProjects ?? (caller.allowedProjects ? [...caller.allowedProjects].sort() : null);
      const problems = grantProblems(
        caller,
        {
          permissions,
          rateLimit: rateLimit ?? config.defaultRateLimit,
          allowedProjects: allowedProjects ?? undefined,
          expiresAt: expiresAt === null ? undefined : Date.parse(expiresAt),
        },
        config.defaultRateLimit,
      );
      if (problems.length > 0)
        throw new AppError('FORBIDDEN', 'This key may not grant what was asked', { problems });

      const key = generateApiKey();
      const now = isoString(clock.now());
      const row: ApiKeyRow = {
        id: `key_${randomBytes(8).toString('hex')}`,
        name,
        name_lower: name.toLowerCase(),
        description: input.description ?? '',
        key_hash: hashApiKey(key),
        key_prefix: key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8),
        previous_key_hash: null,
        previous_key_expires_at: null,
        permissions: JSON.stringify(permissions),
        rate_limit: rateLimit,
        allowed_projects: allowedProjects === null ? null : JSON.stringify(allowedProjects),
        tags: JSON.stringify(input.tags ?? []),
        created_at: now,
        updated_at: now,
        expires_at: expiresAt,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
        created_by: caller.name,
      };
      try {
        await repo.insert(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError('CONFLICT', `A live key named '${name}' already exists`, { name });
        }
        throw error;
      }
      // Another instance may have remembered this hash as unknown a moment ago.
      await verifier.invalidate([row.key_hash]);
      await audit.record({
        actor: caller.name,
        action: 'key.created',
        targetType: 'api_key',
        targetId: row.id,
        requestId,
        details: {
          name,
          permissions: PERMISSIONS.filter((p) => permissions[p]),
          rateLimit,
          allowedProjects,
          expiresAt,
          tags: input.tags ?? [],
        },
      });
      return issued(row, key, 'API key created successfully');
    },

    async list(options: { includeRevoked: boolean }): Promise<KeyViewShape[]> {
      await usage.flush().catch(() => {});
      return (await repo.list(options)).map(view);
    },

    async get(nameOrId: string): Promise<KeyViewShape> {
      await usage.flush().catch(() => {});
      return view(await findLiveOrThrow(nameOrId));
    },

    async update(
      { caller, requestId }: Context,
      nameOrId: string,
      input: UpdateKeyInput,
    ): Promise<KeyViewShape> {
      const row = await findLiveOrThrow(nameOrId);
      const expiresAt = resolveExpiry(input);
      const patch: Partial<ApiKeyRow> = { updated_at: isoString(clock.now()) };
      if (input.description !== undefined) patch.description = input.description;
      if (input.tags !== undefined) patch.tags = JSON.stringify(input.tags);
      if (input.permissions !== undefined) {
        patch.permissions = JSON.stringify(fullPermissions(input.permissions, JSON.parse(row.permissions)));
      }
      if (input.rateLimit !== undefined) patch.rate_limit = input.rateLimit;
      if (input.allowedProjects !== undefined) {
        patch.allowed_projects =
          input.allowedProjects === null ? null : JSON.stringify(input.allowedProjects);
      }
      if (expiresAt !== undefined) patch.expires_at = expiresAt;
      const updated = await repo.update(row.id, patch);
      await verifier.invalidate([row.key_hash, row.previous_key_hash].filter((h): h is string => h !== null));
      const changed = Object.keys(input);
      await audit.record({
        actor: caller.name,
        action: 'key.updated',
        targetType: 'api_key',
        targetId: row.id,
        requestId,
        details: { name: row.name, changed, ...input },
      });
      return view(updated ?? row);
    },

    async revoke({ caller, requestId }: Context, nameOrId: string): Promise<void> {
      const row = await findLiveOrThrow(nameOrId);
      assertMayManage(caller, row, 'revoke');
      const revoked = await repo.revoke(row.id, isoString(clock.now()), caller.name);
      await verifier.invalidate([row.key_hash, row.previous_key_hash].filter((h): h is string => h !== null));
      if (!revoked)
        throw new AppError('KEY_NOT_FOUND', `No live API key named '${nameOrId}'`, { key: nameOrId });
      await audit.record({
        actor: caller.name,
        action: 'key.revoked',
        targetType: 'api_key',
        targetId: row.id,
        requestId,
        details: { name: row.name },
      });
    },

    async rotate({ caller, requestId }: Context, nameOrId: string, gracePeriod: string | undefined) {
      const row = await findLiveOrThrow(nameOrId);
      assertMayManage(caller, row, 'rotate');
      const now = clock.now();
      const graceEnd = gracePeriod === undefined ? now : boundedEnd('gracePeriod', now, gracePeriod);
      const expiry = row.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(row.expires_at);
      const previousUntil = graceEnd > now ? Math.min(graceEnd, expiry) : undefined;
      const key = generateApiKey();
      const updated = await repo.update(row.id, {
        key_hash: hashApiKey(key),
        key_prefix: key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8),
        previous_key_hash: previousUntil === undefined ? null : row.key_hash,
        previous_key_expires_at: previousUntil === undefined ? null : isoString(previousUntil),
        updated_at: isoString(now),
      });
      await verifier.invalidate(
        [row.key_hash, row.previous_key_hash, hashApiKey(key)].filter((h): h is string => h !== null),
      );
      const previousKeyValidUntil = previousUntil === undefined ? null : isoString(previousUntil);
      await audit.record({
        actor: caller.name,
        action: 'key.rotated',
        targetType: 'api_key',
        targetId: row.id,
        requestId,
        details: { name: row.name, gracePeriod: gracePeriod ?? null, previousKeyValidUntil },
      });
      return issued(updated ?? row, key, 'API key rotated successfully', previousKeyValidUntil);
    },

    async stats(): Promise<KeyStats> {
      await usage.flush().catch(() => {});
      const today = isoString(clock.now()).slice(0, 10);
      const from = isoString(Date.parse(`${today}T00:00:00Z`) - (STATS_DAYS - 1) * 86_400_000).slice(0, 10);
      const [rows, daily, totals] = await Promise.all([
        repo.list({ includeRevoked: true }),
        repo.usageSince(from),
        repo.usageTotals(),
      ]);
      const zero = () => ({ requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 });
      const grand = zero();
      const keys = rows.map((row) => {
        const total = totals.find((t) => t.key_id === row.id);
        const keyTotals = {
          requests: Number(total?.requests ?? 0),
          errors: Number(total?.errors ?? 0),
          promptTokens: Number(total?.prompt_tokens ?? 0),
          completionTokens: Number(total?.completion_tokens ?? 0),
        };
        grand.requests += keyTotals.requests;
        grand.errors += keyTotals.errors;
        grand.promptTokens += keyTotals.promptTokens;
        grand.completionTokens += keyTotals.completionTokens;
        return {
          id: row.id,
          name: row.name,
          status: statusOf(row, clock.now()),
          lastUsedAt: row.last_used_at,
          totals: keyTotals,
          daily: daily
            .filter((d) => d.key_id === row.id)
            .map((d) => ({
              date: d.day,
              requests: Number(d.requests),
              errors: Number(d.errors),
              promptTokens: Number(d.prompt_tokens),
              completionTokens: Number(d.completion_tokens),
            })),
        };
      });
      return { period: { from, to: today }, totals: grand, keys };
    },
  };
}

export type KeysService = ReturnType<typeof createKeysService>;
