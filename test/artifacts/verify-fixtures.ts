/** Build verification fixtures: a fake download host (a local HTTP server) and a gateway to verify with. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { CoreConfig } from '../../src/config.js';
import { createManualClock, type ManualClock } from '../../src/infra/clock.js';
import { admin } from '../catalog/catalog-fixtures.js';
import type { Backend } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';
import { artifactTestApp, type StorageCase } from './artifact-storages.fixture.js';
import { digest, trackly, UPLOAD_URL } from './artifacts-fixtures.js';

export interface DownloadHost {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The file every successful answer serves. */
  file: Buffer;
  /** What `/flaky.bin` answers: an error status, or 200 with the file. */
  flaky: { status: number };
}

/**
 * `/ok.bin` (HEAD works), `/no-head.bin` (HEAD 405, ranged GET works), `/flaky.bin` (the status in
 * `host.flaky`), `/status/<code>` (that status), `/silent.bin` (accepts the request, never answers),
 * 404 elsewhere.
 */
export async function downloadHost(t: Pick<TestContext, 'after'>): Promise<DownloadHost> {
  const file = randomBytes(3000);
  const flaky = { status: 503 };
  const server = http.createServer((request, response) => {
    const path = request.url ?? '';
    if (path === '/silent.bin') return;
    const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
    if (status !== undefined) return void response.writeHead(Number(status)).end('status page');
    if (path === '/flaky.bin' && flaky.status !== 200)
      return void response.writeHead(flaky.status).end('busy');
    if (path === '/no-head.bin' && request.method === 'HEAD') return void response.writeHead(405).end();
    if (path !== '/ok.bin' && path !== '/no-head.bin' && path !== '/flaky.bin') {
      return void response.writeHead(404).end('not here');
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
    if (range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      response.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${file.length}`,
        'content-length': end - start + 1,
      });
      return void response.end(request.method === 'HEAD' ? undefined : file.subarray(start, end + 1));
    }
    response.writeHead(200, { 'content-length': file.length });
    response.end(request.method === 'HEAD' ? undefined : file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    // `/silent.bin` requests would otherwise hold the server open.
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, file, flaky };
}

/** An origin on which nothing listens (connections are refused). */
export async function closedOrigin(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * A gateway with trackly 1.0.0 published, a download host, and the given verification settings, on
 * local storage (given a database backend) or on the storage of a case.
 */
export async function verificationApp(
  t: TestContext,
  at: Backend | Pick<StorageCase, 'backend' | 'storage'>,
  verify: Partial<CoreConfig['artifacts']['verify']> = {},
  clock: ManualClock = createManualClock(),
) {
  const config = testConfig();
  const storageCase = typeof at === 'string' ? { backend: at, storage: 'local' as const } : at;
  const testApp = await artifactTestApp(t, storageCase, {
    config: {
      artifacts: {
        ...config.artifacts,
        verify: { ...config.artifacts.verify, allowPrivate: true, ...verify },
      },
    },
    overrides: { clock },
  });
  await trackly(testApp.app);
  const host = await downloadHost(t);
  /** Adds an externally hosted build (a path is taken on the fake host); answers its admin view. */
  const addExternal = (
    id: string,
    url: string,
    build: { size?: number; sha256?: string; platform?: string; architecture?: string } = {},
  ) =>
    admin(testApp.app, 'POST', UPLOAD_URL, {
      id,
      platform: build.platform ?? 'linux',
      architecture: build.architecture ?? 'x64',
      file_name: 'trackly.AppImage',
      file_size: build.size ?? host.file.length,
      download_url: url.startsWith('/') ? `${host.origin}${url}` : url,
      checksum: { sha256: build.sha256 ?? digest('sha256', host.file) },
    });
  /** `POST …/verify`: verifies now and answers the admin view. */
  const verifyNow = (id: string) => admin(testApp.app, 'POST', `${UPLOAD_URL}/${id}/verify`, undefined, 200);
  /** Adds a build and verifies it at once. */
  const external = async (id: string, url: string, build: Parameters<typeof addExternal>[2] = {}) => {
    await addExternal(id, url, build);
    return verifyNow(id);
  };
  return { ...testApp, host, clock, addExternal, verifyNow, external };
}
