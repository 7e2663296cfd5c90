/**
 * A real listening gateway and the release a studio would publish to it with `lunarbit release
 * publish` (files made in the test, named as the build tools name them),
 * and the checks every link a feed hands to an updater must pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { runCli } from '../../cli/cli-runner.js';
import { buildTestApp } from '../../helpers/build-test-app.js';
import { adminAuth } from '../../helpers/keys.js';
import { TEST_ADMIN_KEY } from '../../helpers/test-config.js';

/**
 * `public`: a project with `public_feeds: true` — feeds and downloads without credentials.
 * `keyed`: feeds are read with a key; what they link to must download without one.
 */
export type Access = 'public' | 'keyed';
export const ACCESS_MODES: readonly Access[] = ['public', 'keyed'];

export interface Gateway {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  admin(method: 'GET' | 'POST' | 'PATCH', path: string, body?: Record<string, unknown>): Promise<unknown>;
}

export async function startGateway(t: TestContext): Promise<Gateway> {
  let server: Server | undefined;
  // Runs before the app closes (hooks run in the order they are added). A streamed download can
  // end just after close() has closed the idle sockets; its keep-alive socket would then hold
  // close() for the whole keepAliveTimeout (72 s). No request is in flight when a test is over.
  t.after(() => server?.closeAllConnections());
  const { app } = await buildTestApp(t);
  server = app.server;
  const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  return {
    base,
    async admin(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...adminAuth, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
      return text === '' ? undefined : JSON.parse(text);
    },
  };
}

export interface Project {
  id: string;
  access: Access;
  /** What the updater sends with its feed requests: the key for `keyed`, nothing for `public`. */
  feedHeaders: Record<string, string>;
}

/** A project, and for `keyed` a key such as an app ships: `canCheckUpdates` on this project only. */
export async function seedProject(gateway: Gateway, name: string, access: Access): Promise<Project> {
  const id = `${name}-${access}`;
  await gateway.admin('POST', '/admin/projects', { id, name: 'Trackly', public_feeds: access === 'public' });
  if (access === 'public') return { id, access, feedHeaders: {} };
  const created = (await gateway.admin('POST', '/admin/keys', {
    name: `${id} updater`,
    permissions: { canCheckUpdates: true },
    allowedProjects: [id],
  })) as { key: string };
  return { id, access, feedHeaders: { authorization: `Bearer ${created.key}` } };
}

export interface BuildFile {
  /** The build id: what the CLI chose, once published. */
  id: string;
  platform: 'windows' | 'macos' | 'linux';
  architecture: 'x64' | 'arm64' | 'x86' | 'universal';
  fileName: string;
  bytes: Buffer;
  signature?: string;
  minOsVersion?: string;
}

/** A build file of some kilobytes of random content. */
export function buildFile(
  id: string,
  platform: BuildFile['platform'],
  architecture: BuildFile['architecture'],
  fileName: string,
): BuildFile {
  return {
    id,
    platform,
    architecture,
    fileName,
    bytes: randomBytes(2048 + Math.floor(Math.random() * 2048)),
  };
}

/**
 * Publishes a release as a studio does: the files (and a `<file>.sig` for each signature) are written
 * to a folder and `lunarbit release publish` sends the folder. The CLI decides each build's id from
 * the file names; `file.id` is set to the id it chose.
 */
export async function publishRelease(
  gateway: Gateway,
  project: Project,
  channel: string,
  version: string,
  files: BuildFile[],
): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-dist-'));
  try {
    for (const file of files) {
      fs.writeFileSync(path.join(folder, file.fileName), file.bytes);
      if (file.signature !== undefined)
        fs.writeFileSync(path.join(folder, `${file.fileName}.sig`), file.signature);
    }
    const minOs = files.find((file) => file.minOsVersion !== undefined)?.minOsVersion;
    const args = ['release', 'publish', '--project', project.id, '--channel', channel, '--version', version];
    if (minOs !== undefined) args.push('--min-os-version', minOs);
    const run = await runCli([...args, ...fs.readdirSync(folder).map((name) => path.join(folder, name))], {
      LUNARBIT_URL: gateway.base,
      LUNARBIT_KEY: TEST_ADMIN_KEY,
    });
    assert.equal(run.code, 0, `lunarbit release publish: ${run.stderr}${run.stdout}`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  const view = (await gateway.admin(
    'GET',
    `/admin/projects/${project.id}/channels/${channel}/versions/${version}`,
  )) as {
    status: string;
    builds: { id: string; file_name: string }[];
  };
  assert.equal(view.status, 'published');
  for (const file of files) {
    const build = view.builds.find((candidate) => candidate.file_name === file.fileName);
    assert.ok(build, `the CLI published ${file.fileName}`);
    file.id = build.id;
  }
}

export interface Release {
  project: Project;
  channel: string;
  version: string;
}

/**
 * A link an updater can follow: absolute, on the gateway, the build's stable download path whose
 * last segment is the file's real name (percent-encoded, so that URL parsers that refuse spaces
 * take it); for a keyed project it carries a signed `token`, as the client sends no key.
 */
export function assertFollowableLink(
  link: string,
  gateway: Gateway,
  release: Release,
  file: BuildFile,
): void {
  assert.ok(URL.canParse(link), `an absolute URL, not ${JSON.stringify(link)}`);
  const url = new URL(link);
  assert.equal(url.origin, new URL(gateway.base).origin, `on the gateway: ${link}`);
  const prefix = `/projects/${release.project.id}/channels/${release.channel}/versions/${release.version}/builds/${file.id}/download/`;
  assert.ok(url.pathname.startsWith(prefix), `${url.pathname} starts with ${prefix}`);
  const lastSegment = url.pathname.slice(prefix.length);
  assert.equal(decodeURIComponent(lastSegment), file.fileName, 'the last path segment is the file name');
  assert.doesNotMatch(link, /\s/, 'no raw whitespace');
  if (release.project.access === 'keyed') {
    assert.ok(url.searchParams.get('token'), `a signed token for a client that sends no key: ${link}`);
  }
}

export interface Download {
  status: number;
  bytes: Buffer;
  /** The URL of the final answer, after redirects. */
  finalUrl: string;
  contentDisposition: string | null;
}

/** GET with no credentials, following redirects, as an updater's HTTP stack does. */
export async function downloadWithoutKey(
  link: string,
  headers: Record<string, string> = {},
): Promise<Download> {
  const response = await fetch(link, { headers, redirect: 'follow' });
  return {
    status: response.status,
    bytes: Buffer.from(await response.arrayBuffer()),
    finalUrl: response.url,
    contentDisposition: response.headers.get('content-disposition'),
  };
}

/**
 * Downloads the link with no header and expects the file byte for byte; for a keyed project, the
 * same link without its token must not download (nothing the caller could not see).
 */
export async function assertDownloadsFile(
  link: string,
  release: Release,
  file: BuildFile,
): Promise<Download> {
  const download = await downloadWithoutKey(link);
  assert.equal(download.status, 200, `GET ${link} without a key`);
  assert.ok(download.bytes.equals(file.bytes), `the bytes of ${file.fileName}`);
  if (release.project.access === 'keyed') {
    const bare = new URL(link);
    bare.search = '';
    assert.equal((await downloadWithoutKey(bare.href)).status, 401, 'without its token the link needs a key');
  }
  return download;
}
