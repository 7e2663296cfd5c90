/**
 * The console's only way to the gateway: same-origin requests that carry the session cookie (the
 * browser adds it; scripts cannot read it) and, on writes, the CSRF token kept in memory here.
 */
const base = document.querySelector<HTMLMetaElement>('meta[name="lunarbit-base"]')?.content ?? '';
let csrfToken: string | undefined;
let onSessionEnded: () => void = () => {};

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when any answer says the session is over (signed out elsewhere, key revoked, expired). */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function headersFor(method: string, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  return headers;
}

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    | undefined;
  return new ApiError(
    response.status,
    body?.error?.code ?? 'ERROR',
    body?.error?.message ?? `HTTP ${response.status}`,
    body?.error?.details,
  );
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body !== undefined),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401 && path !== '/console/session') onSessionEnded();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A multipart upload with progress (fetch reports no upload progress; XMLHttpRequest does). */
export function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${base}${path}`);
    for (const [name, value] of Object.entries(headersFor('POST', false)))
      request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const body = JSON.parse(request.responseText || 'null');
      if (request.status >= 200 && request.status < 300) return resolve(body as T);
      if (request.status === 401) onSessionEnded();
      reject(
        new ApiError(
          request.status,
          body?.error?.code ?? 'ERROR',
          body?.error?.message ?? `HTTP ${request.status}`,
          body?.error?.details,
        ),
      );
    };
    request.onerror = () => reject(new ApiError(0, 'NETWORK', 'The gateway could not be reached'));
    request.send(form);
  });
}

export const PERMISSIONS = [
  'canReadProjects',
  'canReadVersions',
  'canCheckUpdates',
  'canUseAI',
  'canCreateKeys',
  'canRevokeKeys',
  'canManageProjects',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface SessionView {
  csrf_token: string;
  expires_at: string;
  caller: {
    name: string;
    is_admin: boolean;
    permissions: Record<Permission, boolean>;
    allowed_projects: string[] | null;
    expires_at: string | null;
  };
}

export interface UsageAnswer {
  range: string;
  step: 'hour' | 'day';
  totals: {
    requests: number;
    errors: number;
    prompt_tokens: number;
    completion_tokens: number;
    p50_ms: number | null;
    p99_ms: number | null;
  };
  series: {
    t: number[];
    requests: number[];
    errors: number[];
    tokens: number[];
    p50_ms: (number | null)[];
    p99_ms: (number | null)[];
  };
  keys: {
    key_id: string;
    name: string;
    requests: number;
    errors: number;
    prompt_tokens: number;
    completion_tokens: number;
    requests_series: number[];
  }[];
  models: { model: string; prompt_tokens: number; completion_tokens: number; tokens_series: number[] }[];
}

export interface KeyView {
  id: string;
  name: string;
  description: string;
  key: string;
  status: 'active' | 'expired' | 'revoked';
  permissions: Record<Permission, boolean>;
  rateLimit: number | null;
  allowedProjects: string[] | null;
  tags: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown>;
}
