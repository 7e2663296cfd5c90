/**
 * Build verification in the background: every build goes `pending` → `verified` | `failed` with a
 * reason and a time. Uploaded files are re-hashed from storage; external URLs are checked for
 * reachability and size (or downloaded and hashed in `full` mode). A check that cannot reach the
 * file keeps the build's status and is retried with backoff (artifacts-verification-policy.ts). It
 * runs after each build is added, on a schedule (builds whose retry is due, pending and stale
 * builds, plus removal of files no build refers to any more), and on demand. Work is queued with a
 * small concurrency so that a burst of new builds does not open dozens of downloads at once; a
 * build already being verified is not verified twice concurrently.
 */
import { pipeline } from 'node:stream/promises';
import type { BuildKey, BuildRow } from '../catalog/catalog-repo.js';
import type { ArtifactsConfig } from '../config.js';
import type { Clock } from '../infra/clock.js';
import { isoString } from '../infra/clock.js';
import { DigestStream } from './artifacts-digests.js';
import type { ArtifactsRepo } from './artifacts-repo.js';
import type { ArtifactStorage } from './artifacts-storage.js';
import type { UrlChecker } from './artifacts-url-check.js';
import { type CheckResult, verificationOutcome } from './artifacts-verification-policy.js';

const CONCURRENCY = 2;
const BATCH = 200;
/** How often the schedule looks for due retries (first retries come a minute after a failure). */
const DUE_CHECK_MS = 15_000;
/** Files younger than this are never swept: their build row may still be committing. */
const SWEEP_GRACE_MS = 60 * 60 * 1000;

const idOf = (key: BuildKey) =>
  `${key.projectId}\u0000${key.channelId}\u0000${key.version}\u0000${key.buildId}`;

export function createBuildVerifier(deps: {
  repo: ArtifactsRepo;
  storage: ArtifactStorage;
  urls: UrlChecker;
  clock: Clock;
  config: ArtifactsConfig['verify'];
  /** Drops the projects' read models (here and on other instances). */
  onChanged: (projectIds: string[]) => Promise<void>;
  onError: (error: unknown, context: string) => void;
}) {
  const { repo, storage, urls, clock, config } = deps;
  const running = new Map<string, Promise<BuildRow | undefined>>();
  const queue: BuildKey[] = [];
  let active = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastSweepAt: number | undefined;
  let ticking = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  async function checkStored(row: BuildRow & { storage_key: string }): Promise<CheckResult> {
    const info = await storage.stat(row.storage_key);
    if (info === undefined) return { verdict: 'failed', reason: 'the stored file is missing' };
    const digest = new DigestStream();
    await pipeline(storage.read(row.storage_key), digest, async (source) => {
      for await (const _ of source) {
        // Shutdown does not wait for a multi-gigabyte re-hash.
        if (stopped) throw new Error('verifier stopped');
      }
    });
    const { size, sha256 } = digest.digests();
    if (size !== Number(row.file_size)) {
      return {
        verdict: 'failed',
        reason: `size mismatch: expected ${row.file_size} bytes, the stored file has ${size}`,
      };
    }
    if (sha256 !== row.sha256)
      return { verdict: 'failed', reason: `SHA-256 mismatch: the stored file hashes to ${sha256}` };
    return { verdict: 'verified', detail: 'stored file re-hashed, SHA-256 matches' };
  }

  async function check(row: BuildRow): Promise<CheckResult> {
    if (row.storage_key !== null) {
      try {
        return await checkStored({ ...row, storage_key: row.storage_key });
      } catch (error) {
        if (stopped) throw error;
        // A storage that cannot be read now (permissions, I/O) says nothing about the file itself.
        return {
          verdict: 'inconclusive',
          reason: `the stored file could not be read: ${(error as Error).message}`,
        };
      }
    }
    const size = Number(row.file_size);
    return config.mode === 'full'
      ? urls.checkContent(row.download_url, size, row.sha256.toLowerCase())
      : urls.checkSize(row.download_url, size);
  }

  async function verifyNow(key: BuildKey): Promise<BuildRow | undefined> {
    const row = await repo.findBuild(key);
    if (row === undefined) return undefined;
    const result = await check(row);
    if (stopped) return row;
    const outcome = verificationOutcome(
      { ...row, verification_attempts: Number(row.verification_attempts) },
      result,
      clock.now(),
      // Without automatic verification nothing would run the retry, so none is promised.
      { retries: config.automatic, capMs: config.intervalMs },
    );
    if (await repo.recordVerification(key, row, outcome, isoString(clock.now()))) {
      await deps.onChanged([key.projectId]);
    }
    return repo.findBuild(key);
  }

  /** Verifies `key` now, or joins the verification already running for it. */
  function verify(key: BuildKey): Promise<BuildRow | undefined> {
    const id = idOf(key);
    const current = running.get(id);
    if (current !== undefined) return current;
    const promise = verifyNow(key).finally(() => running.delete(id));
    running.set(id, promise);
    return promise;
  }

  function pump(): void {
    while (active < CONCURRENCY && queue.length > 0 && !stopped) {
      const key = queue.shift() as BuildKey;
      active += 1;
      verify(key)
        .catch((error: unknown) => deps.onError(error, 'verifying a build'))
        .finally(() => {
          active -= 1;
          pump();
        });
    }
    if (active === 0 && queue.length === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  }

  function enqueue(key: BuildKey): void {
    if (stopped || queue.some((queued) => idOf(queued) === idOf(key))) return;
    queue.push(key);
    pump();
  }

  /** Removes stored files that no build refers to (deleted builds, channels, projects). */
  async function sweepUnreferencedFiles(): Promise<number> {
    const candidates: string[] = [];
    for await (const file of storage.list()) {
      if (clock.now() - file.modifiedAt > SWEEP_GRACE_MS) candidates.push(file.key);
    }
    let removed = 0;
    for (let start = 0; start < candidates.length; start += BATCH) {
      const batch = candidates.slice(start, start + BATCH);
      const referenced = await repo.referencedStorageKeys(batch);
      for (const key of batch) {
        if (referenced.has(key)) continue;
        await storage.delete(key);
        removed += 1;
      }
    }
    // File times are wall-clock; a staged file unwritten for a day belongs to no live upload.
    await storage.removeStaleStaging(Date.now() - 24 * SWEEP_GRACE_MS);
    return removed;
  }

  /**
   * Queues the builds that are due (retry time come, never verified, or verified longer than the
   * interval ago) and, once per interval, sweeps unreferenced files. Runs every few seconds; the
   * clock decides what is due, so tests advance it and call this instead of waiting.
   */
  async function scheduledPass(): Promise<void> {
    const now = clock.now();
    if (config.automatic) {
      const due = await repo.listDue(isoString(now), isoString(now - config.intervalMs), BATCH);
      for (const key of due) enqueue(key);
    }
    if (lastSweepAt === undefined || now - lastSweepAt >= config.intervalMs) {
      lastSweepAt = now;
      await sweepUnreferencedFiles();
    }
  }

  return {
    verify,
    /** Queues a verification when automatic verification is on (after a build is added). */
    buildAdded(key: BuildKey): void {
      if (config.automatic) enqueue(key);
    },
    scheduledPass,
    sweepUnreferencedFiles,
    /** Resolves once nothing is queued or running (tests, shutdown). */
    idle(): Promise<void> {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    start(): void {
      const tick = () => {
        // A slow pass (a large sweep) is not overlapped by the next tick.
        if (ticking) return;
        ticking = true;
        scheduledPass()
          .catch((error: unknown) => deps.onError(error, 'scheduled build verification'))
          .finally(() => {
            ticking = false;
          });
      };
      timer ??= setInterval(tick, Math.min(DUE_CHECK_MS, config.intervalMs));
      timer.unref();
      // Builds left pending by a restart are picked up at once rather than a tick later.
      if (config.automatic) tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      queue.length = 0;
      await urls.close();
      await Promise.allSettled(running.values());
    },
  };
}

export type BuildVerifier = ReturnType<typeof createBuildVerifier>;
