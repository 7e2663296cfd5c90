import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { unauthorized } from '../http/auth.js';
import { documentResponse, errorResponses } from '../http/common-schemas.js';
import type { Caller } from '../keys/caller.js';
import { PermissionsView } from '../keys/keys-schemas.js';
import { PERMISSIONS, type PermissionSet } from '../keys/permissions.js';
import { clearedSessionCookie, sessionCookie } from './console-cookie.js';
import { consolePage } from './console-page.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';

/** Where `npm run build` (scripts/build-console.mjs) writes the console's bundle. */
export const CONSOLE_BUNDLE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'console-ui',
);

// Scripts and styles from this gateway only, nothing inline, no frames, no plugins, no other hosts.
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSET_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const SignInBody = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 512, description: 'An API key or the admin key' }) },
  { additionalProperties: false },
);

const SessionView = Type.Object({
  csrf_token: Type.String({
    description: 'Send it as `X-CSRF-Token` on every write of this session; keep it in memory only',
  }),
  expires_at: Type.String({ format: 'date-time', description: '12 hours after sign-in, or the key expiry' }),
  caller: Type.Object({
    name: Type.String(),
    is_admin: Type.Boolean(),
    permissions: PermissionsView,
    allowed_projects: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'null: every project',
    }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
});

const AssetParams = Type.Object({ file: Type.String({ pattern: '^[a-z0-9-]+\\.(js|css)$', maxLength: 64 }) });

function viewOf(session: Pick<ConsoleSession, 'caller' | 'csrfToken' | 'expiresAt'>) {
  const caller: Caller = session.caller;
  return {
    csrf_token: session.csrfToken,
    expires_at: session.expiresAt,
    caller: {
      name: caller.name,
      is_admin: caller.isAdmin,
      permissions: Object.fromEntries(
        PERMISSIONS.map((p) => [p, caller.isAdmin || caller.permissions[p] === true]),
      ) as PermissionSet,
      allowed_projects: caller.allowedProjects === undefined ? null : [...caller.allowedProjects].sort(),
      expires_at: caller.expiresAt === undefined ? null : new Date(caller.expiresAt).toISOString(),
    },
  };
}

function isSecure(request: FastifyRequest): boolean {
  return request.linkBase.startsWith('https:');
}

export async function consoleRoutes(instance: FastifyInstance, deps: { sessions: ConsoleSessions }) {
  const { sessions } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['console'];

  app.post(
    '/console/session',
    {
      // Every attempt, good key or not, spends the caller IP's unauthenticated budget.
      config: { auth: 'public', rateGroup: 'unauthenticated' },
      schema: {
        tags,
        summary: 'Sign in to the console',
        description:
          'Exchanges a key once for a session held in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` over HTTPS). The session has the key’s permissions and projects and ends on sign-out, after 12 hours, or at once when the key is revoked, expires or has this secret rotated out. Counts against the unauthenticated rate limit.',
        body: SignInBody,
        response: { 201: SessionView, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const opened = await sessions.open(request.body.key);
      if (opened === undefined) throw unauthorized();
      return reply
        .code(201)
        .header('set-cookie', sessionCookie(opened.token, isSecure(request), opened.lifetimeMs))
        .send(viewOf(opened));
    },
  );

  app.get(
    '/console/session',
    {
      config: { auth: 'session', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'The current console session',
        description: 'Who is signed in, with what rights, and the session’s CSRF token.',
        response: { 200: SessionView, ...errorResponses(401) },
      },
    },
    async (request) => viewOf(request.consoleSession!),
  );

  app.delete(
    '/console/session',
    {
      config: { auth: 'session', rateGroup: 'key' },
      schema: {
        tags,
        summary: 'Sign out of the console',
        description: 'Ends the session on every instance and removes its cookie. Needs `X-CSRF-Token`.',
        response: { 204: Type.Null({ description: 'Signed out' }), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await sessions.close(request.consoleSession!.idHash);
      return reply
        .code(204)
        .header('set-cookie', clearedSessionCookie(isSecure(request)))
        .send(null);
    },
  );

  app.get(
    '/console',
    {
      config: { auth: 'public', rateGroup: 'ip' },
      schema: {
        tags,
        summary: 'The web console',
        description: 'An HTML page; its script and styles come from this gateway only (strict CSP).',
        response: {
          200: documentResponse('text/html', 'The console page'),
          ...errorResponses(503),
        },
      },
    },
    async (request, reply) => {
      if (!fs.existsSync(path.join(CONSOLE_BUNDLE_DIR, 'console.js'))) {
        throw new AppError('SERVICE_UNAVAILABLE', 'The console is not built: run `npm run build`', {
          reason: 'console_not_built',
        });
      }
      const base = request.originalUrl.startsWith(`${API_PREFIX}/`) ? API_PREFIX : '';
      return reply
        .header('content-security-policy', CONSOLE_CSP)
        .type('text/html; charset=utf-8')
        .send(consolePage(base));
    },
  );

  app.get(
    '/console/assets/:file',
    {
      config: { auth: 'public', rateGroup: 'ip' },
      schema: {
        tags,
        summary: 'A script or style sheet of the console',
        params: AssetParams,
        response: {
          200: {
            description: 'The file',
            content: {
              'application/javascript': { schema: Type.String() },
              'text/css': { schema: Type.String() },
            },
          },
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const file = path.join(CONSOLE_BUNDLE_DIR, request.params.file);
      const type = ASSET_TYPES[path.extname(file)];
      if (type === undefined || !fs.existsSync(file)) {
        throw new AppError('NOT_FOUND', `No console file '${request.params.file}'`);
      }
      return reply
        .header('cache-control', 'no-cache')
        .type(type)
        .send(await fs.promises.readFile(file, 'utf8'));
    },
  );
}
