/**
 * The CLI's HTTP client: a real client of the gateway's own API, configured by LUNARBIT_URL and
 * LUNARBIT_KEY. Errors come back as the gateway's error envelope and become `CliError`s that the
 * entry point prints (as text, or as JSON with `--json`) and turns into the exit code.
 */

/** Exit codes: 1 the gateway (or the release's state) refused, 2 bad usage, 3 gateway unreachable. */
export const EXIT = { refused: 1, usage: 2, unreachable: 3 } as const;

export interface CliErrorInfo {
  /** The gateway's error code, or the CLI's own (`USAGE_ERROR`, `GATEWAY_UNREACHABLE`, …). */
  code?: string;
  details?: unknown;
  /** HTTP status of the gateway's answer. */
  status?: number;
  requestId?: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.refused,
    readonly info: CliErrorInfo = {},
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** The text printed on stderr: a gateway refusal with its status, code, details and request id. */
  describe(): string {
    const { status, code, details, requestId } = this.info;
    if (status === undefined) return this.message;
    return `${status} ${code}: ${this.message}${details !== undefined ? `\n  details: ${JSON.stringify(details)}` : ''}${requestId !== undefined ? `\n  request id: ${requestId}` : ''}`;
  }

  /** The `{"error":{…}}` printed on stderr with `--json`. */
  toJSON(): { error: Record<string, unknown> } {
    const code = this.info.code ?? (this.exitCode === EXIT.usage ? 'USAGE_ERROR' : 'ERROR');
    return {
      error: {
        code,
        message: this.message,
        ...(this.info.status !== undefined ? { status: this.info.status } : {}),
        ...(this.info.details !== undefined ? { details: this.info.details } : {}),
        ...(this.info.requestId !== undefined ? { request_id: this.info.requestId } : {}),
        exit_code: this.exitCode,
      },
    };
  }
}

export const usageError = (message: string, details?: unknown) =>
  new CliError(message, EXIT.usage, { code: 'USAGE_ERROR', ...(details !== undefined ? { details } : {}) });

export interface CliClientOptions {
  baseUrl: string;
  key: string | undefined;
  fetch?: typeof fetch;
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; details?: unknown; request_id?: string };
}

/** `ECONNREFUSED`, `ENOTFOUND`, … from what `fetch` throws (undici wraps it, sometimes in an AggregateError). */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const { code, errors, message } = cause as {
    code?: string;
    errors?: { code?: string }[];
    message?: string;
  };
  return code ?? errors?.find((inner) => inner.code)?.code ?? message ?? String(cause);
}

export function createCliClient(options: CliClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function call<T>(
    method: string,
    path: string,
    init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {},
  ): Promise<T> {
    if (!/^https?:\/\/[^/]/.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw usageError(`The gateway URL '${options.baseUrl}' is not an http(s) URL (LUNARBIT_URL or --url)`);
    }
    if (options.key === undefined) {
      throw usageError('LUNARBIT_KEY is not set: export LUNARBIT_KEY=<an API key or the admin key>');
    }
    const headers: Record<string, string> = { authorization: `Bearer ${options.key}`, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body,
        redirect: 'manual',
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      const cause = networkCause(error);
      throw new CliError(`cannot reach the gateway at ${baseUrl} (${cause})`, EXIT.unreachable, {
        code: 'GATEWAY_UNREACHABLE',
        details: { url: baseUrl, cause },
      });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not the gateway's JSON (a proxy's HTML page, say): shown as it came, shortened.
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as ErrorEnvelope | undefined)?.error;
      throw new CliError(error?.message ?? (text.slice(0, 500) || response.statusText), EXIT.refused, {
        code: error?.code ?? `HTTP_${response.status}`,
        status: response.status,
        ...(error?.details !== undefined ? { details: error.details } : {}),
        ...(error?.request_id !== undefined ? { requestId: error.request_id } : {}),
      });
    }
    if (parsed === undefined && text !== '') {
      throw new CliError(
        `The gateway answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    return parsed as T;
  }

  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, json?: unknown) => call<T>('POST', path, json === undefined ? {} : { json }),
    patch: <T>(path: string, json: unknown) => call<T>('PATCH', path, { json }),
    delete: <T>(path: string) => call<T>('DELETE', path),
    upload: <T>(path: string, body: ReadableStream<Uint8Array>, contentType: string, length: number) =>
      call<T>('POST', path, {
        body,
        headers: { 'content-type': contentType, 'content-length': String(length) },
      }),
  };
}

export type CliClient = ReturnType<typeof createCliClient>;

export const segment = (value: string) => encodeURIComponent(value);
