/**
 * Where uploaded build files live: the local disk (artifacts-local-storage.ts, the default) or an
 * S3-compatible bucket (artifacts-s3-storage.ts), chosen once from `ARTIFACT_STORAGE`.
 *
 * Writes are two-phase so that a file only becomes visible once it is complete and accepted: the
 * upload streams into a staged file (or an unfinished multipart upload) for its key, the caller
 * checks it (checksums, database row), then commits it or discards it.
 */
import type { Readable } from 'node:stream';

export interface StoredFileInfo {
  size: number;
  /** Milliseconds since the epoch. */
  modifiedAt: number;
}

export interface StagedArtifact {
  /** Where the upload streams to; the storage fsyncs it before `commit` resolves. */
  readonly sink: NodeJS.WritableStream;
  /** Waits for the written bytes to be durable; call after the sink finished. */
  flush(): Promise<void>;
  /** Puts the complete file in place under its key (atomically: readers see all of it or nothing). */
  commit(): Promise<void>;
  /** Removes the staged file; harmless after a commit or a previous discard. */
  discard(): Promise<void>;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Keys are made by the upload service (`<project>/<uuid>`); anything else is refused. */
const KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}\/[0-9a-f-]{36}$/;

export function isArtifactKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function assertArtifactKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`Invalid artifact key: ${key}`);
  return key;
}

export interface ArtifactStorage {
  readonly kind: 'local' | 's3';
  /**
   * Whether other instances stage uploads in the same place (a bucket), so that staged uploads of
   * other processes may be in flight: only the sweep's grace period may remove them then.
   */
  readonly sharedStaging: boolean;
  /** Starts writing the file that will be stored under `key` once committed. */
  stage(key: string): Promise<StagedArtifact>;
  /** Undefined when there is no file under `key`. */
  stat(key: string): Promise<StoredFileInfo | undefined>;
  /** The file's bytes (or `range` of them); fails with ENOENT when the file is gone. */
  read(key: string, range?: ByteRange): Readable;
  delete(key: string): Promise<void>;
  /** Every stored key with its modification time (for removing files no build refers to). */
  list(): AsyncIterable<{ key: string; modifiedAt: number }>;
  /**
   * Drops staged files last written before `modifiedBeforeMs` (wall-clock milliseconds, as file
   * times are): what a crashed upload left behind. Returns how many.
   */
  removeStaleStaging(modifiedBeforeMs: number): Promise<number>;
  /**
   * A link clients fetch the file from directly (a presigned or public bucket URL) that names the
   * file `fileName`; undefined when the gateway serves the file itself (signed `/files/…` links).
   */
  directLink(key: string, fileName: string): Promise<string | undefined>;
  /** Checks that files can be stored; fails with an error that names the problem. */
  checkWritable(): Promise<void>;
  /**
   * Whether the storage answers now, within `timeoutMs` (for `/health`); undefined for a local disk
   * (always there).
   */
  ping: ((timeoutMs?: number) => Promise<void>) | undefined;
}

/** What a storage reports about its writes (disk full, read-only, I/O errors) for `/health`. */
export interface StorageWriteObserver {
  failed(error: unknown): void;
  succeeded(): void;
}

/** `storage` whose staging, writing and committing report their outcome to `observer`. */
export function observeWrites(storage: ArtifactStorage, observer: StorageWriteObserver): ArtifactStorage {
  const observed = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      observer.failed(error);
      throw error;
    }
  };
  return {
    ...storage,
    async stage(key) {
      const staged = await observed(() => storage.stage(key));
      staged.sink.on('error', (error: unknown) => observer.failed(error));
      return {
        sink: staged.sink,
        flush: () => observed(() => staged.flush()),
        async commit() {
          await observed(() => staged.commit());
          observer.succeeded();
        },
        discard: () => staged.discard(),
      };
    },
  };
}
