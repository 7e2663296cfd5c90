/**
 * The harness drives the real electron-updater: against a static folder served the way
 * electron-builder's generic publisher lays it out, it must report what the client really does —
 * which channel file it asks for, where it downloads from, the name it caches the file under, and
 * the client's own errors.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { stringify } from 'yaml';
import { type ElectronUpdaterOptions, runElectronUpdater } from './electron-updater-harness.js';

interface StaticFile {
  body: Buffer | string;
  status?: number;
}

/** A static HTTP folder on an ephemeral port: path → file; everything else is 404. */
async function staticFolder(t: TestContext, files: Record<string, StaticFile>) {
  const server = http.createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://x').pathname];
    if (file === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(file.status ?? 200).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha512 = (bytes: Buffer) => createHash('sha512').update(bytes).digest('base64');

/** A channel file as electron-builder writes it (`files[].url` relative to the folder). */
function channelFile(version: string, files: { url: string; bytes: Buffer }[]) {
  return stringify({
    version,
    files: files.map(({ url, bytes }) => ({ url, sha512: sha512(bytes), size: bytes.length })),
    path: files[0]!.url,
    sha512: sha512(files[0]!.bytes),
    releaseDate: '2026-02-05T14:30:00.000Z',
  });
}

function workDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-updater-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const run = (t: TestContext, options: Omit<ElectronUpdaterOptions, 'workDir'>) =>
  runElectronUpdater({ ...options, workDir: workDir(t) });

describe('electron-updater harness', () => {
  const installer = randomBytes(3000);
  const zip = randomBytes(2000);
  const appImage = randomBytes(1000);

  it('NsisUpdater reads latest.yml, downloads the exe, checks it and caches it under its own name', async (t) => {
    const base = await staticFolder(t, {
      '/feed/latest.yml': {
        body: channelFile('1.3.0', [{ url: 'Trackly%20Setup%201.3.0.exe', bytes: installer }]),
      },
      '/feed/Trackly%20Setup%201.3.0.exe': { body: installer },
    });
    const result = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed`,
      currentVersion: '1.2.0',
    });
    assert.equal(result.error, null, JSON.stringify(result.log));
    assert.equal(result.offeredVersion, '1.3.0');
    assert.equal(result.updateAvailable, true);
    assert.equal(result.resolvedUrl, `${base}/feed/Trackly%20Setup%201.3.0.exe`);
    assert.equal(result.cachedFileName, 'Trackly Setup 1.3.0.exe');
    assert.deepEqual(fs.readFileSync(result.cachedFile!), installer);
    const feedRequest = result.requests[0]!;
    assert.match(feedRequest.url, /\/feed\/latest\.yml\?noCache=/, 'no auth header: a cache-busting query');
    assert.equal(feedRequest.headers['x-user-staging-id']?.length, 36);
    assert.ok(result.requests.every((request) => request.headers.authorization === undefined));
  });

  it('sends requestHeaders with the channel file and the download', async (t) => {
    const base = await staticFolder(t, {
      '/feed/latest.yml': { body: channelFile('1.3.0', [{ url: 'setup.exe', bytes: installer }]) },
      '/feed/setup.exe': { body: installer },
    });
    const result = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed/`,
      currentVersion: '1.2.0',
      requestHeaders: { authorization: 'Bearer lbapi_test' },
    });
    assert.equal(result.error, null, JSON.stringify(result.log));
    const download = result.requests.find((request) => request.url === `${base}/feed/setup.exe`);
    assert.equal(download?.headers.authorization, 'Bearer lbapi_test');
    assert.equal(result.requests[0]!.url, `${base}/feed/latest.yml`, 'with authorization: no noCache');
    assert.equal(result.requests[0]!.headers.authorization, 'Bearer lbapi_test');
  });

  it('caches a file whose URL ends in /download as "download"', async (t) => {
    const base = await staticFolder(t, {
      '/feed/latest.yml': {
        body: channelFile('1.3.0', [
          { url: '/projects/trackly/builds/windows-x64/download', bytes: installer },
        ]),
      },
      '/projects/trackly/builds/windows-x64/download': { body: installer },
    });
    const result = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed`,
      currentVersion: '1.2.0',
    });
    assert.equal(result.error, null, JSON.stringify(result.log));
    assert.equal(result.resolvedUrl, `${base}/projects/trackly/builds/windows-x64/download`);
    assert.equal(result.cachedFileName, 'download');
  });

  it('reports the client’s own errors: a wrong sha512, a missing channel file', async (t) => {
    const base = await staticFolder(t, {
      '/feed/latest.yml': { body: channelFile('1.3.0', [{ url: 'setup.exe', bytes: installer }]) },
      '/feed/setup.exe': { body: Buffer.concat([installer, Buffer.from('tampered')]) },
    });
    const mismatch = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed`,
      currentVersion: '1.2.0',
    });
    assert.equal(mismatch.error?.phase, 'download');
    assert.equal(mismatch.error?.code, 'ERR_CHECKSUM_MISMATCH');
    assert.equal(mismatch.cachedFile, null);

    const missing = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed`,
      channel: 'beta',
      currentVersion: '1.2.0',
    });
    assert.equal(missing.error?.phase, 'check');
    assert.equal(missing.error?.code, 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND');
    assert.match(missing.error?.message ?? '', /Cannot find channel "beta\.yml" update info/);
  });

  it('AppImageUpdater asks for latest-linux.yml on x64 and latest-linux-arm64.yml on arm64', async (t) => {
    const arm64 = randomBytes(1100);
    const base = await staticFolder(t, {
      '/feed/latest-linux.yml': {
        body: channelFile('1.3.0', [{ url: 'Trackly-1.3.0.AppImage', bytes: appImage }]),
      },
      '/feed/latest-linux-arm64.yml': {
        body: channelFile('1.3.0', [{ url: 'Trackly-1.3.0-arm64.AppImage', bytes: arm64 }]),
      },
      '/feed/Trackly-1.3.0.AppImage': { body: appImage },
      '/feed/Trackly-1.3.0-arm64.AppImage': { body: arm64 },
    });
    const [x64Run, arm64Run] = await Promise.all(
      (['x64', 'arm64'] as const).map((arch) =>
        run(t, { updater: 'AppImageUpdater', arch, feedUrl: `${base}/feed`, currentVersion: '1.2.0' }),
      ),
    );
    assert.equal(x64Run!.error, null, JSON.stringify(x64Run!.log));
    assert.equal(x64Run!.cachedFileName, 'Trackly-1.3.0.AppImage');
    assert.deepEqual(fs.readFileSync(x64Run!.cachedFile!), appImage);
    assert.equal(arm64Run!.error, null, JSON.stringify(arm64Run!.log));
    assert.match(arm64Run!.requests[0]!.url, /\/feed\/latest-linux-arm64\.yml/);
    assert.equal(arm64Run!.cachedFileName, 'Trackly-1.3.0-arm64.AppImage');
  });

  it('MacUpdater asks for latest-mac.yml, picks the zip over the dmg and hands it to Squirrel.Mac', async (t) => {
    const dmg = randomBytes(500);
    const base = await staticFolder(t, {
      '/feed/latest-mac.yml': {
        body: channelFile('1.3.0', [
          { url: 'Trackly-1.3.0-universal.dmg', bytes: dmg },
          { url: 'Trackly-1.3.0-universal-mac.zip', bytes: zip },
        ]),
      },
      '/feed/Trackly-1.3.0-universal.dmg': { body: dmg },
      '/feed/Trackly-1.3.0-universal-mac.zip': { body: zip },
    });
    const result = await run(t, {
      updater: 'MacUpdater',
      arch: 'arm64',
      feedUrl: `${base}/feed`,
      currentVersion: '1.2.0',
    });
    assert.equal(result.error, null, JSON.stringify(result.log));
    assert.match(result.requests[0]!.url, /\/feed\/latest-mac\.yml/);
    assert.equal(result.cachedFileName, 'Trackly-1.3.0-universal-mac.zip');
    assert.equal(result.squirrelMacReceivedSha512, sha512(zip));
  });

  it('reports no update when the channel file offers the installed version', async (t) => {
    const base = await staticFolder(t, {
      '/feed/latest.yml': { body: channelFile('1.2.0', [{ url: 'setup.exe', bytes: installer }]) },
    });
    const result = await run(t, {
      updater: 'NsisUpdater',
      arch: 'x64',
      feedUrl: `${base}/feed`,
      currentVersion: '1.2.0',
    });
    assert.equal(result.error, null);
    assert.equal(result.offeredVersion, '1.2.0');
    assert.equal(result.updateAvailable, false);
    assert.equal(result.resolvedUrl, null);
  });
});
