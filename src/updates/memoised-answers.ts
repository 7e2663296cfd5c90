/**
 * Update answers and feeds are serialised once per (snapshot, client bucket, links) and kept with a
 * strong ETag, so a client that asks again with `If-None-Match` gets 304 — per bucket, so staged
 * rollouts stay correct: a client whose bucket is offered something else gets another body and tag.
 * An empty body stands for "no update" (204) or "no such feed" (404), as each route decides.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagMatches, strongEtag } from '../catalog/catalog-http-cache.js';
import type { BoundedMemo } from '../infra/bounded-memo.js';

export interface MemoisedBody {
  body: string;
  etag: string;
}

export type ResponseMemo = BoundedMemo<MemoisedBody>;

const EMPTY: MemoisedBody = { body: '', etag: '' };

/** The memo's entry for `key`, produced (and kept) on a miss; `produce` returns undefined for empty. */
export function memoised(memo: ResponseMemo, key: string, produce: () => string | undefined): MemoisedBody {
  let entry = memo.get(key);
  if (entry === undefined) {
    const body = produce();
    entry = body === undefined || body === '' ? EMPTY : { body, etag: strongEtag(body) };
    memo.set(key, entry);
  }
  return entry;
}

/** Answers differ per client and key, so shared caches must not keep them; clients revalidate. */
export const MEMOISED_CACHE_CONTROL = 'private, no-cache';

/** Sends a memoised body with its ETag, or 304 when the client holds it already. */
export function sendMemoised(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: MemoisedBody,
  contentType: string,
): FastifyReply {
  reply.header('cache-control', MEMOISED_CACHE_CONTROL).header('etag', entry.etag);
  if (etagMatches(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
  return reply.type(contentType).send(entry.body);
}

/** 204 for an empty entry (no update for this client). */
export function sendNoUpdate(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', MEMOISED_CACHE_CONTROL).code(204).send(null);
}
