/**
 * Receiving a file into storage: the stream goes through one checksum pass into a staged file (or
 * an unfinished multipart upload to the bucket) under a new key, and the caller decides, with the
 * file's size and digests in hand, whether it is kept. The file is put in place only by `commit`,
 * which the caller makes the last step of the transaction that writes the row referring to it; when
 * anything fails — the stream, the caller's checks, that transaction — no file remains.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream, type Digests } from './artifacts-digests.js';
import type { ArtifactStorage, StagedArtifact } from './artifacts-storage.js';

/** A completely received file, staged under `storageKey`. */
export interface ReceivedFile {
  readonly storageKey: string;
  readonly digests: Digests;
  /** Puts the file in place under its key (atomically: readers see all of it or nothing). */
  commit(): Promise<void>;
}

export function createArtifactUploads(deps: { storage: ArtifactStorage; maxUploadBytes: number }) {
  const { storage, maxUploadBytes } = deps;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];

  return {
    /** Files beyond this size are refused while they arrive (`SizeLimitExceeded`). */
    maxUploadBytes,
    /**
     * Stores `file` under a new key of `projectId` and hands it to `keep`. The file stays only when
     * `keep` resolves after committing it; if the stream or `keep` fails, it is removed, committed or
     * not, before the failure is passed on.
     */
    async store<T>(
      projectId: string,
      file: Readable,
      keep: (received: ReceivedFile) => Promise<T>,
    ): Promise<T> {
      inFlight += 1;
      const storageKey = `${projectId}/${randomUUID()}`;
      let staged: StagedArtifact | undefined;
      let committed = false;
      try {
        staged = await storage.stage(storageKey);
        const digest = new DigestStream(maxUploadBytes);
        await pipeline(file, digest, staged.sink);
        const placed = staged;
        return await keep({
          storageKey,
          digests: digest.digests(),
          async commit() {
            await placed.commit();
            committed = true;
          },
        });
      } catch (error) {
        await staged?.discard();
        // Put in place, but the row that refers to it was not committed: the file must not outlive it.
        if (committed) await storage.delete(storageKey);
        throw error;
      } finally {
        inFlight -= 1;
        if (inFlight === 0) {
          for (const resolve of idleWaiters) resolve();
          idleWaiters = [];
        }
      }
    },
    /** Resolves once no file is being received or removed (tests; shutdown). */
    idle(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

export type ArtifactUploads = ReturnType<typeof createArtifactUploads>;
