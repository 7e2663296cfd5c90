/**
 * `ArtifactStorage` on the local disk, under `DATA_DIR/artifacts`. Staged files live in `.staging`
 * inside the same directory, so the final rename never crosses a filesystem and is atomic; the data
 * is fsynced before the rename and the directory after it, so a crash never leaves a partial file
 * under a committed key.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  type ArtifactStorage,
  assertArtifactKey,
  type ByteRange,
  isArtifactKey,
  type StagedArtifact,
} from './artifacts-storage.js';

const STAGING = '.staging';

export function createLocalArtifactStorage(root: string): ArtifactStorage {
  const staging = path.join(root, STAGING);

  function fileOf(key: string): string {
    return path.join(root, ...assertArtifactKey(key).split('/'));
  }

  async function fsyncDirectory(dir: string): Promise<void> {
    // Not every platform can open a directory for fsync; durability is best-effort there.
    const handle = await fs.promises.open(dir, 'r').catch(() => undefined);
    await handle?.sync().catch(() => {});
    await handle?.close();
  }

  return {
    kind: 'local',
    // Each instance's staged files are its own, unless DATA_DIR/artifacts is a shared volume: see README.
    sharedStaging: false,
    ping: undefined,

    async stage(key): Promise<StagedArtifact> {
      const target = fileOf(key);
      await fs.promises.mkdir(staging, { recursive: true, mode: 0o750 });
      const temp = path.join(staging, `${randomUUID()}.part`);
      const handle = await fs.promises.open(temp, 'wx', 0o640);
      const sink = handle.createWriteStream({ autoClose: false });
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        sink.destroy();
        await handle.close().catch(() => {});
      };
      return {
        sink,
        async flush() {
          await handle.sync();
        },
        async commit() {
          await handle.sync();
          await close();
          await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
          await fs.promises.rename(temp, target);
          await fsyncDirectory(path.dirname(target));
        },
        async discard() {
          await close();
          await fs.promises.rm(temp, { force: true });
        },
      };
    },

    async stat(key) {
      try {
        const stats = await fs.promises.stat(fileOf(key));
        return stats.isFile() ? { size: stats.size, modifiedAt: stats.mtimeMs } : undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },

    read(key: string, range?: ByteRange): Readable {
      return fs.createReadStream(fileOf(key), range ? { start: range.start, end: range.end } : {});
    },

    async delete(key) {
      await fs.promises.rm(fileOf(key), { force: true });
      // Leave no empty project directory behind; another upload may have refilled it meanwhile.
      await fs.promises.rmdir(path.dirname(fileOf(key))).catch(() => {});
    },

    async *list() {
      const projects = await fs.promises.readdir(root, { withFileTypes: true }).catch(() => []);
      for (const project of projects) {
        if (!project.isDirectory() || project.name === STAGING) continue;
        const files = await fs.promises.readdir(path.join(root, project.name)).catch(() => []);
        for (const name of files) {
          const key = `${project.name}/${name}`;
          if (!isArtifactKey(key)) continue;
          const stats = await fs.promises.stat(path.join(root, project.name, name)).catch(() => undefined);
          if (stats?.isFile()) yield { key, modifiedAt: stats.mtimeMs };
        }
      }
    },

    async removeStaleStaging(modifiedBeforeMs) {
      const names = await fs.promises.readdir(staging).catch(() => []);
      let removed = 0;
      for (const name of names) {
        const file = path.join(staging, name);
        const stats = await fs.promises.stat(file).catch(() => undefined);
        if (stats !== undefined && stats.mtimeMs < modifiedBeforeMs) {
          await fs.promises.rm(file, { force: true });
          removed += 1;
        }
      }
      return removed;
    },

    async directLink() {
      return undefined;
    },

    async checkWritable() {
      await fs.promises.mkdir(root, { recursive: true, mode: 0o750 });
      await fs.promises.access(root, fs.constants.W_OK);
    },
  };
}
