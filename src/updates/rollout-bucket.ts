/**
 * Staged rollouts. A client's bucket for a version is a stable number 0–99 derived from
 * (client id, project, version); the client is in the rollout when its bucket is below the
 * percentage. Because the bucket never changes, raising the percentage only ever adds clients, and
 * because the version is part of the hash, a client that is always early for one release is not
 * always early for the next.
 *
 * bucket = first 4 bytes of SHA-256(`<client id>:<project id>:<version>`) as an unsigned big-endian
 * integer, modulo 100 — documented so that a studio can reproduce it in its own tooling.
 */
import { createHash } from 'node:crypto';

export const MAX_CLIENT_ID_LENGTH = 200;

export function rolloutBucket(clientId: string, projectId: string, version: string): number {
  const digest = createHash('sha256').update(`${clientId}:${projectId}:${version}`).digest();
  return digest.readUInt32BE(0) % 100;
}

/**
 * Whether a client may be offered a version rolled out to `percentage` %. A client without an id is
 * in no partial rollout: only versions at 100 % reach it.
 */
export function isInRollout(
  percentage: number,
  clientId: string | undefined,
  projectId: string,
  version: string,
): boolean {
  if (percentage >= 100) return true;
  if (clientId === undefined || percentage <= 0) return false;
  return rolloutBucket(clientId, projectId, version) < percentage;
}
