/**
 * Every checksum a build needs, computed in the one pass that streams it: SHA-256 (the API's own),
 * SHA-512 (electron-updater, Tauri feeds want it base64), MD5 (the reference lists it), SHA-1 (Squirrel.Windows
 * names packages by it). Hex is the
 * stored form; `sha512Base64` derives the base64 one for feeds.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
  sha1: string;
  md5: string;
}

export class SizeLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`The file exceeds ${limit} bytes`);
    this.name = 'SizeLimitExceeded';
  }
}

/** A pass-through stream that hashes and counts what flows through it, failing beyond `maxBytes`. */
export class DigestStream extends Transform {
  private readonly hashes: Record<'sha256' | 'sha512' | 'sha1' | 'md5', Hash> = {
    sha256: createHash('sha256'),
    sha512: createHash('sha512'),
    sha1: createHash('sha1'),
    md5: createHash('md5'),
  };
  private bytes = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new SizeLimitExceeded(this.maxBytes));
      return;
    }
    for (const hash of Object.values(this.hashes)) hash.update(chunk);
    callback(null, chunk);
  }

  /** Call once, after the stream finished. */
  digests(): Digests {
    return {
      size: this.bytes,
      sha256: this.hashes.sha256.digest('hex'),
      sha512: this.hashes.sha512.digest('hex'),
      sha1: this.hashes.sha1.digest('hex'),
      md5: this.hashes.md5.digest('hex'),
    };
  }
}

export function sha512Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
