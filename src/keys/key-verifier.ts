/**
 * The verification hot path. Verified keys are cached in memory by hash for a short TTL and unknown
 * hashes negatively for a shorter one, so a cached verification touches no database. Revocation,
 * rotation and permission changes invalidate entries at once here and, through the event bus, on
 * every other instance. A generation counter stops a lookup that began before an invalidation from
 * writing its stale answer back into the cache.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../infra/clock.js';
import type { EventBus } from '../infra/event-bus.js';
import { ADMIN_CALLER, type Caller } from './caller.js';
import { hashApiKey, isWellFormedApiKey } from './key-format.js';
import type { ApiKeyRow, KeysRepo } from './keys-repo.js';
import type { PermissionSet } from './permissions.js';

export const KEYS_INVALIDATED_TOPIC = 'keys.invalidated';

export interface KeysInvalidatedEvent {
  hashes: string[];
}

export interface KeyVerifierConfig {
  adminKey: string;
  cacheTtlMs: number;
  negativeCacheTtlMs: number;
  maxCachedKeys?: number;
}

interface CacheEntry {
  caller: Caller | undefined;
  /** For a rotated-out secret: when its grace period ends (epoch ms). */
  graceUntil: number | undefined;
  cachedUntil: number;
}

export function callerFromRow(row: ApiKeyRow): Caller {
  return {
    id: row.id,
    name: row.name,
    isAdmin: false,
    permissions: JSON.parse(row.permissions) as PermissionSet,
    rateLimit: row.rate_limit ?? undefined,
    allowedProjects:
      row.allowed_projects === null ? undefined : new Set(JSON.parse(row.allowed_projects) as string[]),
    expiresAt: row.expires_at === null ? undefined : Date.parse(row.expires_at),
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createKeyVerifier(deps: {
  repo: KeysRepo;
  bus: EventBus;
  clock: Clock;
  config: KeyVerifierConfig;
  /** Told whether each verification was answered from the cache (metrics). */
  onCacheLookup?: (hit: boolean) => void;
}) {
  const { repo, bus, clock, config } = deps;
  const adminDigest = sha256(config.adminKey);
  const adminIsKeyShaped = isWellFormedApiKey(config.adminKey);
  const adminHash = Buffer.from(hashApiKey(config.adminKey), 'hex');
  const cache = new LRUCache<string, CacheEntry>({ max: config.maxCachedKeys ?? 50_000 });
  const inflight = new Map<string, Promise<CacheEntry>>();
  let generation = 0;

  function invalidate(hashes: readonly string[]): void {
    generation += 1;
    for (const hash of hashes) {
      cache.delete(hash);
      inflight.delete(hash);
    }
  }

  bus.subscribe(KEYS_INVALIDATED_TOPIC, (payload) => {
    const hashes = (payload as Partial<KeysInvalidatedEvent>)?.hashes;
    if (Array.isArray(hashes)) invalidate(hashes.filter((h): h is string => typeof h === 'string'));
  });

  function entryFor(row: ApiKeyRow | undefined, hash: string, now: number): CacheEntry {
    if (row === undefined || row.revoked_at !== null) {
      return { caller: undefined, graceUntil: undefined, cachedUntil: now + config.negativeCacheTtlMs };
    }
    const isPreviousSecret = row.key_hash !== hash;
    const graceUntil = isPreviousSecret ? Date.parse(row.previous_key_expires_at ?? '') || 0 : undefined;
    return { caller: callerFromRow(row), graceUntil, cachedUntil: now + config.cacheTtlMs };
  }

  function lookup(hash: string): Promise<CacheEntry> {
    const pending = inflight.get(hash);
    if (pending) return pending;
    const startedAt = generation;
    const promise = (async () => {
      const row = await repo.findByHash(hash);
      const entry = entryFor(row, hash, clock.now());
      if (startedAt === generation) cache.set(hash, entry);
      return entry;
    })().finally(() => {
      if (inflight.get(hash) === promise) inflight.delete(hash);
    });
    inflight.set(hash, promise);
    return promise;
  }

  function usable(entry: CacheEntry, now: number): Caller | undefined {
    const caller = entry.caller;
    if (caller === undefined) return undefined;
    if (caller.expiresAt !== undefined && now >= caller.expiresAt) return undefined;
    if (entry.graceUntil !== undefined && now >= entry.graceUntil) return undefined;
    return caller;
  }

  /** The answer when memory has it (admin key, malformed key, cached entry); else the hash to look up. */
  function verifyFromMemory(
    presented: string,
  ): { known: true; caller: Caller | undefined } | { known: false; hash: string } {
    const hash = hashApiKey(presented);
    const now = clock.now();
    const cached = cache.get(hash);
    // Only well-formed keys other than the admin key are ever cached, so a hit (every warm keyed
    // request) needs neither the format check nor the admin comparison.
    if (cached !== undefined && cached.cachedUntil > now) {
      deps.onCacheLookup?.(true);
      return { known: true, caller: usable(cached, now) };
    }
    const wellFormed = isWellFormedApiKey(presented);
    // Compare digests so the comparison takes the same time whatever the presented length. A
    // well-formed key cannot equal an admin key that is not shaped like one: no digest needed.
    if ((!wellFormed || adminIsKeyShaped) && timingSafeEqual(sha256(presented), adminDigest)) {
      return { known: true, caller: ADMIN_CALLER };
    }
    if (!wellFormed) return { known: true, caller: undefined };
    deps.onCacheLookup?.(false);
    return { known: false, hash };
  }

  return {
    /** The caller behind a presented credential, or undefined for anything not currently valid. */
    async verify(presented: string): Promise<Caller | undefined> {
      const answer = verifyFromMemory(presented);
      if (answer.known) return answer.caller;
      return usable(await lookup(answer.hash), clock.now());
    },

    /**
     * The caller whose secret has this SHA-256 (`hashApiKey`), through the same cache and
     * invalidations as `verify`: for credentials that remember which secret they were opened with
     * (console sessions), which end once that secret is revoked, rotated out or expired.
     */
    async verifyHash(hash: string): Promise<Caller | undefined> {
      const digest = Buffer.from(hash, 'hex');
      if (digest.length === adminHash.length && timingSafeEqual(digest, adminHash)) return ADMIN_CALLER;
      const now = clock.now();
      const cached = cache.get(hash);
      const hit = cached !== undefined && cached.cachedUntil > now;
      deps.onCacheLookup?.(hit);
      return usable(hit ? cached : await lookup(hash), clock.now());
    },

    /** SHA-256 of a presented credential, as `verifyHash` takes it. */
    hashOf: (presented: string): string => hashApiKey(presented),

    /**
     * `verify` without the database: the caller when the credential is the admin key or a cached valid
     * key; undefined otherwise (invalid, or not in memory: then `verify` has the answer).
     */
    verifyFromMemory(presented: string): Caller | undefined {
      const answer = verifyFromMemory(presented);
      return answer.known ? answer.caller : undefined;
    },

    /**
     * The caller behind a key id, for credentials that name a key instead of presenting it (download
     * tokens): undefined once the key is revoked or expired. Always asks the database, so revocation
     * is seen at once.
     */
    async callerById(id: string): Promise<Caller | undefined> {
      if (id === ADMIN_CALLER.id) return ADMIN_CALLER;
      const row = await repo.findLiveById(id);
      if (row === undefined) return undefined;
      const caller = callerFromRow(row);
      return caller.expiresAt !== undefined && clock.now() >= caller.expiresAt ? undefined : caller;
    },

    /** Drops cached entries here and on every other instance. */
    async invalidate(hashes: string[]): Promise<void> {
      await bus.publish(KEYS_INVALIDATED_TOPIC, { hashes } satisfies KeysInvalidatedEvent);
    },

    cachedEntries: () => cache.size,
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;
