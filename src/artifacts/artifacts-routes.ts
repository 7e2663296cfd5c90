import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AdminBuildView } from '../catalog/catalog-admin-schemas.js';
import { BuildParams } from '../catalog/catalog-schemas.js';
import { writeContext as context } from '../catalog/catalog-writer.js';
import { AppError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import type { Artifacts } from './artifacts.js';
import { decideRange, ifRangeMatches, isNotModified } from './artifacts-http-ranges.js';

const segment = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });
const FileParams = Type.Object({
  projectId: segment('Project id'),
  channelId: segment('Channel id'),
  version: segment('Version'),
  buildId: segment('Build id'),
  fileName: segment('The build’s file name'),
});
const SignedQuery = Type.Object({
  expires: Type.String({ maxLength: 20, description: 'Expiry, Unix seconds (signed)' }),
  signature: Type.String({ maxLength: 100, description: 'HMAC-SHA256 of the link (base64url)' }),
});
const Binary = (description: string) => ({
  description,
  content: {
    'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
  },
});

/** `/files/…` (signed downloads of uploaded builds) and on-demand build verification. */
export async function artifactsRoutes(instance: FastifyInstance, deps: { artifacts: Artifacts }) {
  const { files, storage, verification } = deps.artifacts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/files/:projectId/:channelId/:version/:buildId/:fileName',
    {
      // The signature is the credential; it is checked in the handler.
      config: { auth: 'public', rateGroup: 'ip' },
      schema: {
        tags: ['builds'],
        summary: 'Download an uploaded build (signed URL)',
        description:
          'The target of a build’s `/download` redirect: valid until `expires`, no API key needed. Serves `Content-Length`, `Content-Disposition`, a strong `ETag` (the SHA-256), `Last-Modified` and single byte ranges (`Range`, `If-Range`: 206, or 416 beyond the end); `If-None-Match` / `If-Modified-Since` get 304. An expired or altered link is 403.',
        params: FileParams,
        querystring: SignedQuery,
        response: {
          200: Binary('The whole file'),
          206: Binary('The requested byte range (`Content-Range`)'),
          304: Type.Null({ description: 'Not modified' }),
          ...errorResponses(400, 403, 404, 416, 429),
        },
      },
    },
    async (request, reply) => {
      const file = await files.open(request.params, request.query.expires, request.query.signature);
      const { size, etag, lastModifiedMs } = file;
      if (isNotModified(request.headers, etag, lastModifiedMs)) {
        return reply
          .code(304)
          .headers({ etag, 'cache-control': file.headers['cache-control'] as string })
          .send();
      }
      const decision = ifRangeMatches(request.headers['if-range'] as string | undefined, etag, lastModifiedMs)
        ? decideRange(request.headers.range as string | undefined, size)
        : ({ kind: 'full' } as const);
      if (decision.kind === 'unsatisfiable') {
        throw new AppError(
          'RANGE_NOT_SATISFIABLE',
          `The file has ${size} bytes`,
          { size },
          {
            headers: { 'content-range': `bytes */${size}` },
          },
        );
      }
      reply.headers(file.headers);
      const range = decision.kind === 'partial' ? decision.range : undefined;
      if (range !== undefined)
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`);
      reply.header('content-length', String(range ? range.end - range.start + 1 : size));
      // HEAD answers with the headers only; an empty stream keeps the Content-Length set above.
      if (request.method === 'HEAD') return reply.send(Readable.from([]));
      return reply.send(storage.read(file.storageKey, range));
    },
  );

  app.post(
    '/admin/projects/:projectId/channels/:channelId/versions/:versionId/builds/:buildId/verify',
    {
      config: { auth: 'key', permission: 'canManageProjects', rateGroup: 'key' },
      schema: {
        tags: ['admin'],
        summary: 'Verify a build now',
        description:
          'Runs the build’s verification and answers when it is done: an uploaded file is re-hashed; an external URL is checked for reachability and size (`VERIFY_DOWNLOADS=full`: downloaded and its SHA-256 compared). Private, loopback and link-local addresses are refused unless `VERIFY_ALLOW_PRIVATE=true`. The answer carries `status`, `status_reason` and `verified_at`.',
        params: BuildParams,
        response: { 200: AdminBuildView, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => verification.verifyNow(context(request), request.params),
  );
}
