/** Build-tool output folders made in the test, and the gateway seen through the admin API. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { adminAuth } from '../helpers/keys.js';

/** A temporary output folder; `files` maps names to sizes (random bytes) or text. */
export function outputFolder(
  t: Pick<TestContext, 'after'>,
  files: Record<string, number | string>,
  directories: string[] = [],
): { dir: string; paths: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-cli-dist-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'number' ? randomBytes(content) : content);
  }
  for (const name of directories) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'inner.bin'), 'x');
  }
  // What `dist/*` expands to: every entry, sorted.
  const paths = fs
    .readdirSync(dir)
    .sort()
    .map((name) => path.join(dir, name));
  return { dir, paths };
}

export const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

export interface AdminBuildShape {
  id: string;
  platform: string;
  architecture: string;
  file_name: string;
  file_size: number;
  checksum: { sha256: string };
  signature: string | null;
  min_os_version: string | null;
  stored: boolean;
}

export async function adminVersion(app: FastifyInstance, project: string, channel: string, version: string) {
  const response = await app.inject({
    url: `/admin/projects/${project}/channels/${channel}/versions/${version}`,
    headers: adminAuth,
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { status: string; builds: AdminBuildShape[] };
}

/** `id → file_name` of a version's builds. */
export const buildFiles = (builds: AdminBuildShape[]) =>
  Object.fromEntries(builds.map((build) => [build.id, build.file_name]));

/** Each uploaded build holds exactly the bytes of the local file of that name. */
export function assertStoredAsLocal(builds: AdminBuildShape[], dir: string): void {
  for (const build of builds) {
    const local = path.join(dir, build.file_name);
    assert.equal(build.checksum.sha256, sha256Of(local), build.file_name);
    assert.equal(build.file_size, fs.statSync(local).size, build.file_name);
    assert.equal(build.stored, true, build.file_name);
  }
}
