import type { IncomingMessage } from 'node:http';
import type { RateLimitDecision } from '../rate-limit/rate-limit-store.js';

/**
 * The IP budget decision the fast lane already took for a request it then hands to the router (its
 * key's budget refused it, or the IP's own did): the router's guard uses it instead of counting the
 * request against the IP a second time.
 */
const countedIp = new WeakMap<IncomingMessage, RateLimitDecision>();

export function recordIpDecision(request: IncomingMessage, decision: RateLimitDecision): void {
  countedIp.set(request, decision);
}

/** The decision recorded for this request, once. */
export function takeIpDecision(request: IncomingMessage): RateLimitDecision | undefined {
  const decision = countedIp.get(request);
  if (decision !== undefined) countedIp.delete(request);
  return decision;
}
