/**
 * Publish → update, end to end, with the updater clients people ship.
 * A real listening gateway gets a release from `lunarbit release publish` — files made here, named
 * as electron-builder and `tauri build` name them, `.sig` files beside them — and each client family reads its feed and
 * downloads what it is offered: electron-updater is the real npm client (clients/
 * electron-updater-harness.ts); Tauri, Squirrel.Windows, Squirrel.Mac and Sparkle are held to the
 * rules their own sources enforce (clients/*-rules.ts). Every family runs against a project with
 * `public_feeds` (no credentials anywhere) and a keyed one (the feed is read with a key; the
 * download link works without one, and electron-updater also sends its key to download).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type ElectronUpdaterOptions, runElectronUpdater } from './clients/electron-updater-harness.js';
import { verifyTauriSignature } from './clients/minisign.js';
import {
  ACCESS_MODES,
  assertDownloadsFile,
  assertFollowableLink,
  type BuildFile,
  buildFile,
  type Gateway,
  type Project,
  publishRelease,
  type Release,
  seedProject,
  startGateway,
} from './clients/release-fixture.js';
import {
  parseAppcast,
  sparkleItemDate,
  sparkleUnarchiver,
  suggestedFilename,
  verifySparkleSignature,
} from './clients/sparkle-rules.js';
import { parseSquirrelMacAnswer } from './clients/squirrel-mac-rules.js';
import {
  checksumPackage,
  packageDownloadUrl,
  parseReleaseFile,
  releaseEntryVersion,
  releasesUrl,
} from './clients/squirrel-windows-rules.js';
import { checkTauriDownloadStatus, parseTauriAnswer, tauriEndpoint } from './clients/tauri-rules.js';
import { sparkleSigner, tauriSigner } from './clients/update-signing.js';

const feedBase = (gateway: Gateway, project: Project, channel = 'stable') =>
  `${gateway.base}/projects/${project.id}/channels/${channel}`;

async function get(url: string, project: Project, accept: string) {
  const response = await fetch(url, { headers: { ...project.feedHeaders, accept } });
  return { status: response.status, body: await response.text() };
}

describe('updater clients, end to end', () => {
  for (const access of ACCESS_MODES) {
    it(`electron-updater updates from a ${access} project on every platform and the beta channel`, async (t) => {
      const gateway = await startGateway(t);
      const project = await seedProject(gateway, 'trackly', access);
      const stable: Release = { project, channel: 'stable', version: '1.3.0' };
      const beta: Release = { project, channel: 'beta', version: '1.4.0-beta.1' };
      const exe = buildFile('windows-x64', 'windows', 'x64', 'Trackly Setup 1.3.0.exe');
      const zip = buildFile('macos-universal-zip', 'macos', 'universal', 'Trackly-1.3.0-universal-mac.zip');
      const dmg = buildFile('macos-universal-dmg', 'macos', 'universal', 'Trackly-1.3.0-universal.dmg');
      const appImage = buildFile('linux-x64', 'linux', 'x64', 'Trackly-1.3.0.AppImage');
      const armImage = buildFile('linux-arm64', 'linux', 'arm64', 'Trackly-1.3.0-arm64.AppImage');
      const betaExe = buildFile('windows-x64', 'windows', 'x64', 'Trackly Setup 1.4.0-beta.1.exe');
      await publishRelease(gateway, project, 'stable', '1.3.0', [exe, zip, dmg, appImage, armImage]);
      await publishRelease(gateway, project, 'beta', '1.4.0-beta.1', [betaExe]);

      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-updater-e2e-'));
      t.after(() => fs.rmSync(workDir, { recursive: true, force: true }));
      const feedUrl = `${feedBase(gateway, project)}/electron-updater`;
      const cases: [string, Omit<ElectronUpdaterOptions, 'feedUrl' | 'workDir'>, Release, BuildFile][] = [
        ['latest.yml', { updater: 'NsisUpdater', arch: 'x64', currentVersion: '1.2.0' }, stable, exe],
        ['latest-mac.yml', { updater: 'MacUpdater', arch: 'arm64', currentVersion: '1.2.0' }, stable, zip],
        [
          'latest-linux.yml',
          { updater: 'AppImageUpdater', arch: 'x64', currentVersion: '1.2.0' },
          stable,
          appImage,
        ],
        [
          'latest-linux-arm64.yml',
          { updater: 'AppImageUpdater', arch: 'arm64', currentVersion: '1.2.0' },
          stable,
          armImage,
        ],
        [
          'beta.yml',
          { updater: 'NsisUpdater', arch: 'x64', channel: 'beta', currentVersion: '1.3.0' },
          beta,
          betaExe,
        ],
      ];
      const runs = await Promise.all(
        cases.map(([channelFile, options], i) =>
          runElectronUpdater({
            ...options,
            feedUrl,
            workDir: path.join(workDir, String(i)),
            ...(access === 'keyed' ? { requestHeaders: project.feedHeaders } : {}),
          }).then((run) => ({ channelFile, run })),
        ),
      );
      for (const [i, { channelFile, run }] of runs.entries()) {
        const [, , release, file] = cases[i]!;
        await t.test(channelFile, async () => {
          const context = `${JSON.stringify({ error: run.error, requests: run.requests })}`;
          assert.equal(new URL(run.requests[0]!.url).pathname, new URL(`${feedUrl}/${channelFile}`).pathname);
          assert.equal(run.error, null, context);
          assert.equal(run.offeredVersion, release.version, context);
          assertFollowableLink(run.resolvedUrl!, gateway, release, file);
          assert.equal(
            run.cachedFileName,
            file.fileName,
            'electron-updater caches the file under its real name',
          );
          assert.ok(
            fs.readFileSync(run.cachedFile!).equals(file.bytes),
            'the sha512-checked file is the upload',
          );
          if (file === zip) {
            assert.equal(
              run.squirrelMacReceivedSha512,
              createHash('sha512').update(zip.bytes).digest('base64'),
            );
          }
          const download = run.requests.find((request) => request.url === run.resolvedUrl)!;
          assert.equal(
            download.headers.authorization,
            project.feedHeaders.authorization,
            'the key only if it has one',
          );
          await assertDownloadsFile(run.resolvedUrl!, release, file);
        });
      }
    });

    it(`Tauri v2 updates from a ${access} project: absolute url, RFC 3339 date, the .sig text`, async (t) => {
      const gateway = await startGateway(t);
      const project = await seedProject(gateway, 'tauri', access);
      const release: Release = { project, channel: 'stable', version: '1.3.0' };
      const signer = tauriSigner();
      const signed = (file: BuildFile) => ({
        ...file,
        signature: signer.sign(file.bytes, file.fileName, '1.3.0'),
      });
      const setup = signed(buildFile('windows-x64', 'windows', 'x64', 'Trackly_1.3.0_x64-setup.exe'));
      const app = signed(buildFile('macos-universal', 'macos', 'universal', 'Trackly.app.tar.gz'));
      const appImage = signed(buildFile('linux-x64', 'linux', 'x64', 'Trackly_1.3.0_amd64.AppImage'));
      await publishRelease(gateway, project, 'stable', '1.3.0', [setup, app, appImage]);

      const endpoint = `${feedBase(gateway, project)}/tauri/{{target}}/{{arch}}/{{current_version}}`;
      const check = async (values: Parameters<typeof tauriEndpoint>[1]) => {
        const answer = await get(tauriEndpoint(endpoint, values), project, 'application/json');
        return parseTauriAnswer(answer.status, answer.body);
      };
      for (const [target, arch, file] of [
        ['windows', 'x86_64', setup],
        ['darwin', 'aarch64', app],
        ['darwin', 'x86_64', app],
        ['linux', 'x86_64', appImage],
      ] as const) {
        await t.test(`${target}/${arch}`, async () => {
          const update = await check({ target, arch, currentVersion: '1.2.0' });
          assert.ok(update, `${target}/${arch}: an update`);
          assert.equal(update.version, '1.3.0');
          assert.notEqual(update.pubDate, null, 'pub_date given');
          assert.equal(update.signature, file.signature, 'the .sig text itself');
          assertFollowableLink(update.url, gateway, release, file);
          const download = await assertDownloadsFile(update.url, release, file);
          checkTauriDownloadStatus(download.status, '');
          verifyTauriSignature(download.bytes, update.signature, signer.publicKey, update.version);
        });
      }
      await t.test('up to date, and targets without builds', async () => {
        assert.equal(
          await check({ target: 'windows', arch: 'x86_64', currentVersion: '1.3.0' }),
          null,
          '204',
        );
        for (const arch of ['armv7', 'riscv64', 'i686'] as const) {
          assert.equal(
            await check({ target: 'linux', arch, currentVersion: '1.2.0' }),
            null,
            `${arch}: no update`,
          );
        }
      });
    });

    it(`Squirrel.Windows updates from a ${access} project through RELEASES`, async (t) => {
      const gateway = await startGateway(t);
      const project = await seedProject(gateway, 'squirrel', access);
      const release: Release = { project, channel: 'stable', version: '1.3.0' };
      const nupkg = buildFile('windows-x64-nupkg', 'windows', 'x64', 'trackly-1.3.0-full.nupkg');
      await publishRelease(gateway, project, 'stable', '1.3.0', [nupkg]);

      const feed = `${feedBase(gateway, project)}/electron/win32/x64`;
      const answer = await get(
        releasesUrl(feed, { packageName: 'trackly', version: '1.2.0' }),
        project,
        '*/*',
      );
      assert.equal(answer.status, 200, answer.body);
      const entries = parseReleaseFile(answer.body);
      assert.equal(entries.length, 1, answer.body);
      for (const entry of entries) {
        assert.match(entry.filename, /-full\.nupkg$/);
        assert.deepEqual(releaseEntryVersion(entry.filename), { version: [1, 3, 0, 0], specialVersion: '' });
        const url = packageDownloadUrl(feed, entry);
        if (entry.baseUrl !== null) assertFollowableLink(url, gateway, release, nupkg);
        const download = await assertDownloadsFile(url, release, nupkg);
        checksumPackage(entry, download.bytes);
      }
    });

    it(`Squirrel.Mac (Electron's autoUpdater) updates from a ${access} project to the zip`, async (t) => {
      const gateway = await startGateway(t);
      const project = await seedProject(gateway, 'electron', access);
      const release: Release = { project, channel: 'stable', version: '1.3.0' };
      const zip = buildFile('macos-universal-zip', 'macos', 'universal', 'Trackly-1.3.0-universal-mac.zip');
      const dmg = buildFile('macos-universal-dmg', 'macos', 'universal', 'Trackly-1.3.0-universal.dmg');
      await publishRelease(gateway, project, 'stable', '1.3.0', [dmg, zip]);

      const feed = `${feedBase(gateway, project)}/electron/darwin`;
      const answer = await get(`${feed}/arm64/1.2.0`, project, 'application/json');
      const update = parseSquirrelMacAnswer(answer.status, answer.body);
      assert.ok(update, 'an update');
      assertFollowableLink(update.updateURL, gateway, release, zip);
      assert.notEqual(update.releaseDate, null, 'a pub_date Squirrel.Mac can read');
      const download = await assertDownloadsFile(update.updateURL, release, zip);
      assert.ok(download.bytes.equals(zip.bytes));
      const upToDate = await get(`${feed}/x64/1.3.0`, project, 'application/json');
      assert.equal(parseSquirrelMacAnswer(upToDate.status, upToDate.body), null, '204 when up to date');
    });

    it(`Sparkle updates from a ${access} project: namespaced appcast, absolute signed enclosure`, async (t) => {
      const gateway = await startGateway(t);
      const project = await seedProject(gateway, 'sparkle', access);
      const release: Release = { project, channel: 'stable', version: '1.3.0' };
      const signer = sparkleSigner();
      const archive = buildFile('macos-universal', 'macos', 'universal', 'Trackly-1.3.0-mac.zip');
      archive.signature = signer.sign(archive.bytes);
      archive.minOsVersion = '12.0';
      await publishRelease(gateway, project, 'stable', '1.3.0', [archive]);

      const appcastUrl = `${feedBase(gateway, project)}/sparkle/appcast.xml`;
      const answer = await get(appcastUrl, project, 'application/rss+xml, */*');
      assert.equal(answer.status, 200, answer.body);
      const [item] = parseAppcast(answer.body, appcastUrl);
      assert.ok(item, answer.body);
      assert.deepEqual([item.versionString, item.displayVersionString], ['1.3.0', '1.3.0']);
      assert.equal(item.minimumSystemVersion, '12.0');
      assert.notEqual(sparkleItemDate(item.dateString ?? ''), null, 'a pubDate Sparkle can read');
      assert.ok(
        URL.canParse(item.enclosureURLString ?? ''),
        `absolute enclosure url: ${item.enclosureURLString}`,
      );
      assertFollowableLink(item.fileURL!, gateway, release, archive);
      assert.equal(item.contentLength, archive.bytes.length);
      const download = await assertDownloadsFile(item.fileURL!, release, archive);
      const savedAs = suggestedFilename(download.finalUrl, download.contentDisposition);
      assert.equal(sparkleUnarchiver(savedAs), 'piped', `Sparkle can unarchive ${savedAs}`);
      verifySparkleSignature(item, download.bytes, signer.publicEdKey);
    });
  }
});
