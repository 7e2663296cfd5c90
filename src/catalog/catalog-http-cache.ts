/**
 * HTTP caching of catalog reads: the body is serialised once per read-model state (through the
 * route's response schema, which is what strips undeclared fields), hashed into a strong ETag, and
 * answered with 304 when the client already holds it.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SerializedBody } from './catalog-read-model.js';
import type { CatalogRead } from './catalog-service.js';

export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

export function sendCatalogRead(
  request: FastifyRequest,
  reply: FastifyReply,
  read: CatalogRead,
  maxAgeSeconds: number,
): FastifyReply {
  let body = read.bodies.get(read.key);
  if (body === undefined) {
    const json = String(reply.serialize(read.produce()));
    body = { json, etag: strongEtag(json) } satisfies SerializedBody;
    read.bodies.set(read.key, body);
  }
  reply.header('etag', body.etag).header('cache-control', `private, max-age=${maxAgeSeconds}`);
  if (etagMatches(request.headers['if-none-match'], body.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(body.json);
}
