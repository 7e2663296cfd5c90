import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';

export interface MultipartUpload {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  /** Exact byte length, so the gateway can refuse an oversized upload before reading it. */
  length: number;
}

/** SHA-256 of a file, streamed (sent as the expected checksum so the gateway verifies the upload). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A `multipart/form-data` body whose fields come first and whose file part streams from disk, so
 * a large build never sits in memory. `onProgress` receives the file bytes sent so far.
 */
export function multipartFileBody(
  fields: Record<string, string>,
  file: string,
  onProgress: (sentBytes: number) => void,
): MultipartUpload {
  const boundary = `----lunarbit${randomBytes(12).toString('hex')}`;
  const name = path.basename(file).replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    [
      ...Object.entries(fields).map(
        ([key, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ].join(''),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = fs.statSync(file).size;
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      onProgress(sent);
      callback(null, chunk);
    },
  });
  async function* parts() {
    yield head;
    yield* fs.createReadStream(file).pipe(counter);
    yield tail;
  }
  return {
    body: Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>,
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
  };
}
