/**
 * The CLI's HTTP client: a real client of the gateway's own API, configured by LUNARBIT_URL and
 * LUNARBIT_KEY. Errors come back as the gateway's error envelope and become `CliError`s that the
 * entry point prints and turns into a non-zero exit code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliClientOptions {
  baseUrl: string;
  key: string | undefined;
  fetch?: typeof fetch;
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; details?: unknown; request_id?: string };
}

export function createCliClient(options: CliClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function call<T>(
    method: string,
    path: string,
    init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {},
  ): Promise<T> {
    if (options.key === undefined) {
      throw new CliError('LUNARBIT_KEY is not set: export LUNARBIT_KEY=<an API key or the admin key>', 2);
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
      throw new CliError(`Cannot reach the gateway at ${baseUrl}: ${(error as Error).message}`, 3);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (parsed as ErrorEnvelope | undefined)?.error;
      const details = error?.details ? `\n  details: ${JSON.stringify(error.details)}` : '';
      throw new CliError(
        `${response.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? text}${details}${error?.request_id ? `\n  request id: ${error.request_id}` : ''}`,
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
