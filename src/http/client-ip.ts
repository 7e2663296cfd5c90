/**
 * The client address as Fastify's `request.ip` computes it for our `trustProxy` setting, for code
 * that answers before Fastify sees the request (the fast lane): rate limits must count the same
 * address on either path.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config.js';

export function clientIpResolver(trustProxy: TrustProxy): (request: IncomingMessage) => string | undefined {
  if (trustProxy === false) return (request) => request.socket.remoteAddress;
  const trusts: (address: string, hop: number) => boolean =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? () => false // as Fastify: a bare hop count cannot vouch for the peer, so nothing is trusted
        : proxyAddr.compile(trustProxy);
  return (request) => {
    const addresses = proxyAddr.all(request, trusts);
    return addresses[addresses.length - 1];
  };
}
