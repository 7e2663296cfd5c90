/**
 * Where uploaded build files live. The local-disk implementation is the default; an object-store
 * implementation can replace it behind this interface (chosen once in `app.ts`).
 *
 * Writes are two-phase so that a file only becomes visible once it is complete and accepted: the
 * upload streams into a staged file, the caller checks it (checksums, database row), then commits it
 * under its key or discards it.
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
  /** Moves the complete file into place under `key` (atomically: readers see all of it or nothing). */
  commit(key: string): Promise<void>;
  /** Removes the staged file; harmless after a commit or a previous discard. */
  discard(): Promise<void>;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface ArtifactStorage {
  stage(): Promise<StagedArtifact>;
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
    async stage() {
      const staged = await observed(() => storage.stage());
      staged.sink.on('error', (error: unknown) => observer.failed(error));
      return {
        sink: staged.sink,
        flush: () => observed(() => staged.flush()),
        async commit(key) {
          await observed(() => staged.commit(key));
          observer.succeeded();
        },
        discard: () => staged.discard(),
      };
    },
  };
}
