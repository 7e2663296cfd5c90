/** Builds catalog data through the real admin API, as a studio would. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminAuth } from '../helpers/keys.js';

export const READER_PERMISSIONS = { canReadProjects: true, canReadVersions: true };
const VERSIONS = (projectId: string, channelId: string) =>
  `/admin/projects/${projectId}/channels/${channelId}/versions`;

/** Calls the admin API and asserts the expected status; returns the parsed body (if any). */
export async function admin(
  app: FastifyInstance,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
  expectedStatus = method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200,
  headers: Record<string, string> = adminAuth,
) {
  const response = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  assert.equal(response.statusCode, expectedStatus, `${method} ${url}: ${response.body}`);
  return response.body === '' ? undefined : response.json();
}

export function createProject(app: FastifyInstance, body: Record<string, unknown>) {
  return admin(app, 'POST', '/admin/projects', body);
}

export function createVersion(
  app: FastifyInstance,
  projectId: string,
  channelId: string,
  body: Record<string, unknown>,
) {
  return admin(app, 'POST', VERSIONS(projectId, channelId), body);
}

export function publishVersion(app: FastifyInstance, projectId: string, channelId: string, version: string) {
  return admin(app, 'POST', `${VERSIONS(projectId, channelId)}/${version}/publish`, undefined, 200);
}

export function versionAdminUrl(projectId: string, channelId: string, version: string): string {
  return `${VERSIONS(projectId, channelId)}/${version}`;
}

/** Real digests of some content, as a studio's CI would compute them for the file it uploads. */
export function checksumsOf(content: string) {
  return {
    sha256: createHash('sha256').update(content).digest('hex'),
    md5: createHash('md5').update(content).digest('hex'),
  };
}

export function addBuild(
  app: FastifyInstance,
  projectId: string,
  channelId: string,
  version: string,
  build: { platform: string; architecture: string } & Record<string, unknown>,
) {
  const fileName = `${projectId}-${version}-${build.platform}-${build.architecture}.bin`;
  return admin(app, 'POST', `${versionAdminUrl(projectId, channelId, version)}/builds`, {
    file_name: fileName,
    file_size: 1000,
    download_url: `https://cdn.example.com/${projectId}/${version}/${fileName}`,
    checksum: checksumsOf(fileName),
    ...build,
  });
}

/** A published version with one windows-x64 build. */
export async function publishedVersion(
  app: FastifyInstance,
  projectId: string,
  channelId: string,
  version: string,
  extra: Record<string, unknown> = {},
) {
  await createVersion(app, projectId, channelId, { version, ...extra });
  await addBuild(app, projectId, channelId, version, { platform: 'windows', architecture: 'x64' });
  return publishVersion(app, projectId, channelId, version);
}

/**
 * Asserts that `actual` has every field of `reference` with the same value, recursively (the
 * contract allows extra fields, never renamed or missing ones). Arrays must match in length.
 */
export function assertMatchesReference(actual: unknown, reference: unknown, path = 'body'): void {
  if (Array.isArray(reference)) {
    assert.ok(Array.isArray(actual), `${path} is an array`);
    assert.equal(actual.length, reference.length, `${path} length`);
    reference.forEach((item, i) => {
      assertMatchesReference(actual[i], item, `${path}[${i}]`);
    });
    return;
  }
  if (reference !== null && typeof reference === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path} is an object`);
    for (const [key, value] of Object.entries(reference)) {
      assert.ok(key in (actual as object), `${path}.${key} is present`);
      assertMatchesReference((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  assert.deepEqual(actual, reference, path);
}
