/**
 * The one piece of electron-updater the harness replaces: its transport. electron-updater's own
 * `ElectronHttpExecutor` (node_modules/electron-updater/out/electronHttpExecutor.js) sends requests
 * through Electron's `net` module, which does not exist outside Electron. This executor extends the
 * same base class, builder-util-runtime's `HttpExecutor`, so everything else — request options,
 * redirects (`doDownload` follows `Location` itself), the sha512 `DigestTransform`, error messages —
 * is the library's own code. `download()` is a copy of the Electron executor's, minus `net`.
 * Every request is recorded (with its answer's status) so that tests can see what the client sent.
 */
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type * as BuilderUtilRuntime from 'builder-util-runtime';

// The copy electron-updater itself loads, so that `instanceof HttpError` checks in its providers hold.
const requireFromHere = createRequire(import.meta.url);
const requireFromUpdater = createRequire(requireFromHere.resolve('electron-updater'));
const runtime = requireFromUpdater('builder-util-runtime') as typeof BuilderUtilRuntime;

export interface RecordedRequest {
  method: string;
  url: string;
  /** Header names in lower case, values as sent. */
  headers: Record<string, string>;
  /** The answer's status; null when the request failed before an answer. */
  status: number | null;
}

function headersOf(options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = String(value);
  }
  return headers;
}

export class NodeHttpExecutor extends runtime.HttpExecutor<ClientRequest> {
  readonly requests: RecordedRequest[] = [];
  /** The URLs the updater asked to download a file from (the resolved update file, blockmaps aside). */
  readonly downloads: string[] = [];

  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    const port = options.port === undefined ? '' : `:${options.port}`;
    const record: RecordedRequest = {
      method: options.method ?? 'GET',
      url: `${options.protocol ?? 'https:'}//${options.hostname}${port}${options.path ?? '/'}`,
      headers: headersOf(options),
      status: null,
    };
    this.requests.push(record);
    const transport = options.protocol === 'http:' ? http : https;
    return transport.request(options, (response) => {
      record.status = response.statusCode ?? null;
      callback(response);
    });
  }

  /** As `ElectronHttpExecutor.download`: the file streams to `destination` through `doDownload`. */
  download(url: URL, destination: string, options: BuilderUtilRuntime.DownloadOptions): Promise<string> {
    this.downloads.push(url.href);
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions = { headers: options.headers ?? undefined };
      runtime.configureRequestUrl(url, requestOptions);
      runtime.configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error) => (error == null ? resolve(destination) : reject(error)),
          responseHandler: null,
        },
        0,
      );
    });
  }
}
