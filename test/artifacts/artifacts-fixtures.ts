/** Uploads through the real admin API, multipart built by hand (as any HTTP client would send it). */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  createProject,
  createVersion,
  publishVersion,
  versionAdminUrl,
} from '../catalog/catalog-fixtures.js';
import { adminAuth } from '../helpers/keys.js';

export const UPLOAD_URL = `${versionAdminUrl('trackly', 'stable', '1.0.0')}/builds`;
export const BUILD_URL = '/projects/trackly/channels/stable/versions/1.0.0/builds';

/** Project `trackly` with a published 1.0.0 on `stable`, ready for builds. */
export async function trackly(app: FastifyInstance): Promise<void> {
  await createProject(app, { id: 'trackly', name: 'Trackly' });
  await createVersion(app, 'trackly', 'stable', { version: '1.0.0' });
  await publishVersion(app, 'trackly', 'stable', '1.0.0');
}

function partsHead(boundary: string, fields: Record<string, string>, fileName: string): Buffer {
  return Buffer.from(
    [
      ...Object.entries(fields).map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ].join(''),
  );
}

/** A whole multipart body in memory, for `app.inject`. */
export function multipart(fields: Record<string, string>, content: Buffer, fileName = 'trackly-setup.exe') {
  const boundary = `----test${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    partsHead(boundary, fields, fileName),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { ...adminAuth, 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A multipart body whose file part streams from disk (never held in memory). */
export function streamingMultipart(fields: Record<string, string>, file: string) {
  const boundary = `----test${randomBytes(8).toString('hex')}`;
  const head = partsHead(boundary, fields, path.basename(file));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* fs.createReadStream(file, { highWaterMark: 256 * 1024 });
    yield tail;
  }
  return {
    body: Readable.from(parts()),
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + fs.statSync(file).size + tail.length,
  };
}

export async function upload(
  app: FastifyInstance,
  fields: Record<string, string>,
  content: Buffer,
  expectedStatus = 201,
) {
  const response = await app.inject({ method: 'POST', url: UPLOAD_URL, ...multipart(fields, content) });
  assert.equal(response.statusCode, expectedStatus, response.body);
  return response;
}

export const digest = (algorithm: string, content: Buffer, encoding: 'hex' | 'base64' = 'hex') =>
  createHash(algorithm).update(content).digest(encoding);

/** Every file under DATA_DIR/artifacts (staging included). */
export function storedFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'artifacts');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

export async function buildRows(app: FastifyInstance) {
  return app.gateway.database.db.selectFrom('builds').selectAll().execute();
}

/**
 * Follows the authenticated download redirect to the absolute signed link (on the request's own
 * host, as `app.inject` sends it); returns its path and query, for `app.inject` to follow.
 */
export async function signedPath(app: FastifyInstance, buildId: string): Promise<string> {
  const response = await app.inject({ url: `${BUILD_URL}/${buildId}/download`, headers: adminAuth });
  assert.equal(response.statusCode, 302, response.body);
  const location = String(response.headers.location);
  assert.match(location, /^http:\/\/localhost:80\/files\/trackly\/stable\/1\.0\.0\//);
  return location.slice('http://localhost:80'.length);
}

/** Waits for a condition that another party (the server) brings about; fails after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
