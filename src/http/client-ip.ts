/**
 * The client address as Fastify's `request.ip` computes it for our `trustProxy` setting, for code
 * that answers before Fastify sees the request (the fast lane): rate limits must count the same
 * address on either path.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config.js';

/** Whether an address at a hop is a trusted proxy; undefined when `TRUST_PROXY` is off. */
export function proxyTrust(trustProxy: TrustProxy): ((address: string, hop: number) => boolean) | undefined {
  if (trustProxy === false) return undefined;
  if (trustProxy === true) return () => true;
  // As Fastify: a bare hop count cannot vouch for the peer, so nothing is trusted.
  if (typeof trustProxy === 'number') return () => false;
  return proxyAddr.compile(trustProxy);
}

export function clientIpResolver(trustProxy: TrustProxy): (request: IncomingMessage) => string | undefined {
  const trusts = proxyTrust(trustProxy);
  if (trusts === undefined) return (request) => request.socket.remoteAddress;
  return (request) => {
    const addresses = proxyAddr.all(request, trusts);
    return addresses[addresses.length - 1];
  };
}
