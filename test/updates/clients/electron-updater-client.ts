/**
 * One electron-updater client in a process of its own; started by electron-updater-harness.ts with
 * its options as JSON in argv[2]. Prints one JSON line (an `ElectronUpdaterRun`) and exits.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { stringify } from 'yaml';
import type {
  ElectronUpdaterError,
  ElectronUpdaterOptions,
  ElectronUpdaterRun,
} from './electron-updater-harness.js';

type Request = ElectronUpdaterOptions & { platform: NodeJS.Platform };
const options = JSON.parse(process.argv[2] ?? '{}') as Request;

// This process is the machine the app runs on: electron-updater reads both at the time of use.
Object.defineProperty(process, 'platform', { value: options.platform });
Object.defineProperty(process, 'arch', { value: options.arch });

const log: string[] = [];
let squirrelMacReceivedSha512: string | null = null;

/**
 * Stands in for Electron's `autoUpdater` on macOS (Squirrel.Mac), which MacUpdater hands the
 * downloaded zip to: MacUpdater serves `{ "url": … }` from a local proxy and calls
 * `checkForUpdates()`; Squirrel.Mac then GETs that JSON (with the Basic header MacUpdater gave it)
 * and downloads the zip from the proxy. Its own rules are in squirrel-mac-rules.ts.
 */
class SquirrelMacStandIn extends EventEmitter {
  private feed: { url: string; headers: Record<string, string> } | undefined;

  setFeedURL(feed: { url: string; headers: Record<string, string> }) {
    this.feed = feed;
  }

  checkForUpdates() {
    const feed = this.feed;
    if (feed === undefined) return;
    (async () => {
      const answer = await fetch(feed.url, { headers: { ...feed.headers, accept: 'application/json' } });
      if (answer.status === 204) return;
      const { url } = (await answer.json()) as { url: string };
      const zip = await fetch(url, { headers: { accept: 'application/zip' } });
      const bytes = Buffer.from(await zip.arrayBuffer());
      squirrelMacReceivedSha512 = createHash('sha512').update(bytes).digest('base64');
      this.emit('update-downloaded');
    })().catch((error: unknown) => this.emit('error', error));
  }

  quitAndInstall() {}
}

function provideElectron(): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  const electron = { autoUpdater: new SquirrelMacStandIn() };
  loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'electron' ? electron : load.call(this, request, ...rest);
  };
}

function errorOf(phase: ElectronUpdaterError['phase'], error: unknown): ElectronUpdaterError {
  const { message, code } = error as { message?: string; code?: unknown };
  return { phase, message: String(message ?? error), code: typeof code === 'string' ? code : null };
}

async function main(): Promise<ElectronUpdaterRun> {
  const { workDir } = options;
  const userDataPath = path.join(workDir, 'user-data');
  fs.mkdirSync(userDataPath, { recursive: true });
  if (options.stagingUserId !== undefined) {
    fs.writeFileSync(path.join(userDataPath, '.updaterId'), options.stagingUserId);
  }
  // What electron-builder packages as resources/app-update.yml for `publish: { provider: generic }`.
  const appUpdateConfigPath = path.join(workDir, 'app-update.yml');
  fs.writeFileSync(
    appUpdateConfigPath,
    stringify({
      provider: 'generic',
      url: options.feedUrl,
      ...(options.channel !== undefined ? { channel: options.channel } : {}),
      updaterCacheDirName: 'trackly-updater',
    }),
  );
  if (options.updater === 'AppImageUpdater') {
    // The AppImage the app runs from; AppImageUpdater refuses to run without it.
    process.env.APPIMAGE = path.join(workDir, 'Trackly-installed.AppImage');
    fs.writeFileSync(process.env.APPIMAGE, 'the installed AppImage');
  }
  if (options.updater === 'MacUpdater') provideElectron();

  const updaters = await import('electron-updater');
  const { NodeHttpExecutor } = await import('./electron-updater-http.js');
  const app = {
    version: options.currentVersion,
    name: 'Trackly',
    isPackaged: true,
    appUpdateConfigPath,
    userDataPath,
    baseCachePath: path.join(workDir, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => {},
    quit: () => {},
    onQuit: () => {},
  };
  const updater = new updaters[options.updater](undefined, app);
  const executor = new NodeHttpExecutor();
  // The provider takes the executor from here when it is created from app-update.yml.
  (updater as unknown as { httpExecutor: unknown }).httpExecutor = executor;
  updater.autoDownload = false;
  updater.logger = {
    info: (message: unknown) => log.push(`info: ${String(message)}`),
    warn: (message: unknown) => log.push(`warn: ${String(message)}`),
    error: (message: unknown) => log.push(`error: ${String(message)}`),
    debug: (message: string) => log.push(`debug: ${message}`),
  };
  if (options.requestHeaders !== undefined) updater.requestHeaders = options.requestHeaders;

  const run: ElectronUpdaterRun = {
    offeredVersion: null,
    updateAvailable: false,
    resolvedUrl: null,
    cachedFile: null,
    cachedFileName: null,
    squirrelMacReceivedSha512: null,
    error: null,
    requests: executor.requests,
    log,
  };
  try {
    const result = await updater.checkForUpdates();
    run.offeredVersion = result?.updateInfo.version ?? null;
    run.updateAvailable = result?.isUpdateAvailable ?? false;
  } catch (error) {
    run.error = errorOf('check', error);
    return run;
  }
  if (!run.updateAvailable) return run;
  const downloadStart = executor.downloads.length;
  try {
    const [cachedFile] = await updater.downloadUpdate();
    run.cachedFile = cachedFile ?? null;
    run.cachedFileName = cachedFile === undefined ? null : path.basename(cachedFile);
  } catch (error) {
    run.error = errorOf('download', error);
  }
  run.resolvedUrl = executor.downloads.slice(downloadStart).pop() ?? null;
  run.squirrelMacReceivedSha512 = squirrelMacReceivedSha512;
  return run;
}

const run = await main();
// MacUpdater keeps its proxy server open for Squirrel.Mac, so the run ends with an exit — once the
// result is written: a result larger than the pipe's buffer is written in parts, and an exit before the
// last part would leave the parent without a result (the likely cause of one such failure in a loaded CI run).
process.stdout.write(`\n${JSON.stringify(run)}\n`, () => process.exit(0));
