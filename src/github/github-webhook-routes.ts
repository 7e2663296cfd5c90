import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import type { Github } from './github.js';
import { verifyWebhookSignature } from './github-webhook-signature.js';

// GitHub caps webhook payloads at 25 MB.
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

const WebhookAnswer = Type.Object({
  status: Type.Union([Type.Literal('accepted'), Type.Literal('ignored'), Type.Literal('pong')]),
  projects: Type.Array(Type.String(), { description: 'Projects whose sync was started' }),
});

/** The delivery's JSON, sent as `application/json` or as the `payload` field of a form. */
function parsePayload(
  raw: Buffer,
  contentType: string | undefined,
): { repository?: { full_name?: unknown } } {
  try {
    const text = raw.toString('utf8');
    const json = contentType?.startsWith('application/x-www-form-urlencoded')
      ? (new URLSearchParams(text).get('payload') ?? '')
      : text;
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === 'object')
      return parsed as { repository?: { full_name?: unknown } };
  } catch {
    // reported below
  }
  throw new AppError('INVALID_REQUEST', 'The webhook payload is not a JSON object');
}

/**
 * `POST /webhooks/github`: GitHub's `release` events start a sync of every project of that
 * repository. The route is public and proves the sender itself: `X-Hub-Signature-256` must be the
 * HMAC of the raw body with `GITHUB_WEBHOOK_SECRET`, so the body is kept as bytes here (this plugin
 * replaces the JSON parser for its own routes only).
 */
export async function githubWebhookRoutes(instance: FastifyInstance, deps: { github: Github }) {
  const { github } = deps;
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/webhooks/github',
    {
      config: { auth: 'public', rateGroup: 'ip' },
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        tags: ['github'],
        summary: 'Receive GitHub webhook deliveries',
        description:
          'Point a repository webhook (content type `application/json`, event "Releases") here with the secret in `GITHUB_WEBHOOK_SECRET`. ' +
          'A delivery without a valid `X-Hub-Signature-256` gets 401 and starts nothing (every delivery does while no secret is configured). ' +
          "`release` events start a sync of the projects whose `repository` is the delivery's repository and answer 202 at once; " +
          '`ping` answers `pong`; other events are ignored.',
        response: {
          200: WebhookAnswer,
          202: WebhookAnswer,
          ...errorResponses(400, 401, 413, 429),
        },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!verifyWebhookSignature(github.webhookSecret, raw, request.headers['x-hub-signature-256'])) {
        throw new AppError('UNAUTHORIZED', 'Missing or invalid X-Hub-Signature-256');
      }
      const event = request.headers['x-github-event'];
      if (event === 'ping') return { status: 'pong' as const, projects: [] };
      if (event !== 'release') return { status: 'ignored' as const, projects: [] };
      const fullName = parsePayload(raw, request.headers['content-type']).repository?.full_name;
      if (typeof fullName !== 'string') {
        throw new AppError('INVALID_REQUEST', 'The release event names no repository.full_name');
      }
      const projects = await github.projectsOfRepository(fullName);
      github.syncInBackground(projects, {
        trigger: 'webhook',
        actor: 'github-webhook',
        requestId: request.id,
      });
      return reply.code(projects.length > 0 ? 202 : 200).send({
        status: projects.length > 0 ? 'accepted' : 'ignored',
        projects,
      });
    },
  );
}
