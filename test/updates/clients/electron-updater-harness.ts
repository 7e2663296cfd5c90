/**
 * Runs the real electron-updater (node_modules/electron-updater, no Electron) against a feed and
 * reports what it did: the version it was offered, the URL it downloaded from, the file it cached
 * and the errors it threw.
 *
 * Each run is a process of its own (electron-updater-client.ts), because the client reads the
 * platform and architecture from `process.platform` / `process.arch` in several places (the channel
 * file suffix in `Provider.getChannelFilePrefix`, the file choice in `findFile`, the arm64 filter in
 * `MacUpdater.filterFilesForArch`), and one process pretends to be one machine. In that process the
 * updater class an app would use — `NsisUpdater` (Windows), `MacUpdater`, `AppImageUpdater` (Linux) —
 * is constructed with an app adapter (its constructor's second argument), reads an
 * `app-update.yml` like the one electron-builder packages (`provider: generic`, `url`, `channel`,
 * `updaterCacheDirName`), checks for updates through `GenericProvider` and downloads through its own
 * `executeDownload` (sha512 check, cache file name from `getCacheUpdateFileName`). Only the HTTP
 * transport is replaced (see electron-updater-http.ts). `MacUpdater` also needs Electron's native
 * `autoUpdater` (Squirrel.Mac), which it feeds from a local proxy once the zip is downloaded; the
 * client process provides a stand-in that fetches the zip from that proxy the way Squirrel.Mac does.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RecordedRequest } from './electron-updater-http.js';

export type UpdaterClass = 'NsisUpdater' | 'MacUpdater' | 'AppImageUpdater';

export interface ElectronUpdaterOptions {
  updater: UpdaterClass;
  /** `process.platform` the client sees; defaults to the platform the updater class is made for. */
  platform?: 'win32' | 'darwin' | 'linux';
  /** `process.arch` the client sees. */
  arch: 'x64' | 'arm64' | 'ia32';
  /** The generic provider's `url` (the folder holding `latest.yml`). */
  feedUrl: string;
  /** The updater's `channel` (app-update.yml); absent means electron-updater's default, `latest`. */
  channel?: string;
  /** The installed app's version. */
  currentVersion: string;
  /** `requestHeaders` of the updater, sent with the channel file request and the download. */
  requestHeaders?: Record<string, string>;
  /** A fixed staging user id (`.updaterId`), for staged rollouts. */
  stagingUserId?: string;
  /** A directory of the caller's own: the app's user data, cache and config go there. */
  workDir: string;
  timeoutMs?: number;
}

export interface ElectronUpdaterError {
  /** What the client was doing: `checkForUpdates()` or `downloadUpdate()`. */
  phase: 'check' | 'download';
  message: string;
  /** electron-updater's error code (`ERR_UPDATER_CHANNEL_FILE_NOT_FOUND`, `ERR_CHECKSUM_MISMATCH`, …). */
  code: string | null;
}

export interface ElectronUpdaterRun {
  /** `updateInfo.version` of the channel file, whether or not it is an update. */
  offeredVersion: string | null;
  updateAvailable: boolean;
  /** The URL electron-updater resolved for the file and downloaded from (before redirects). */
  resolvedUrl: string | null;
  /** Where the downloaded update was cached, and that file's name. */
  cachedFile: string | null;
  cachedFileName: string | null;
  /** macOS only: what the Squirrel.Mac stand-in received from MacUpdater's proxy (sha512, base64). */
  squirrelMacReceivedSha512: string | null;
  error: ElectronUpdaterError | null;
  /** Every HTTP request the client made, in order. */
  requests: RecordedRequest[];
  /** The updater's own log lines. */
  log: string[];
}

const CLIENT = path.join(import.meta.dirname, 'electron-updater-client.ts');
const PLATFORMS: Record<UpdaterClass, 'win32' | 'darwin' | 'linux'> = {
  NsisUpdater: 'win32',
  MacUpdater: 'darwin',
  AppImageUpdater: 'linux',
};

export function runElectronUpdater(options: ElectronUpdaterOptions): Promise<ElectronUpdaterRun> {
  const request = { ...options, platform: options.platform ?? PLATFORMS[options.updater] };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(request)], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as ElectronUpdaterRun);
      } catch {
        reject(new Error(`electron-updater client exited (${code ?? signal}) without a result:\n${stderr}`));
      }
    });
  });
}
