/**
 * The absolute base of every link the gateway hands out (download links in update answers, feeds
 * and build views): `PUBLIC_URL` when set, else the request's own scheme and host, where
 * `X-Forwarded-Proto` / `X-Forwarded-Host` count only when the peer is a trusted proxy
 * (`TRUST_PROXY`). Updater clients parse these links as absolute URLs (Tauri, Squirrel, Sparkle), so
 * a root-relative path is never an option. Works on the raw request so that the fast lane and the
 * router build the same links.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreConfig } from '../config.js';
import { AppError } from '../errors.js';
import { proxyTrust } from './client-ip.js';

/** The base (`https://updates.example.com`, no trailing slash), or undefined for an unusable Host. */
export type LinkBaseOf = (request: IncomingMessage) => string | undefined;

// A DNS name or an IPv4/IPv6 literal, with an optional port: nothing that could end a URL's authority.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

export function linkBaseResolver(config: Pick<CoreConfig, 'publicUrl' | 'trustProxy'>): LinkBaseOf {
  if (config.publicUrl !== undefined) {
    const base = config.publicUrl.replace(/\/+$/, '');
    return () => base;
  }
  const trusts = proxyTrust(config.trustProxy);
  return (request) => {
    const peer = request.socket.remoteAddress;
    const trusted = trusts !== undefined && peer !== undefined && trusts(peer, 0);
    const forwardedProto = trusted
      ? firstValue(request.headers['x-forwarded-proto'])?.toLowerCase()
      : undefined;
    const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
    const scheme =
      forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
    const host =
      (trusted ? firstValue(request.headers['x-forwarded-host']) : undefined) ?? request.headers.host;
    return host !== undefined && HOST.test(host) ? `${scheme}://${host}` : undefined;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The absolute base URL for links in this request's answer (400 when the Host is unusable). */
    readonly linkBase: string;
    /**
     * The base of `documentation_url` in error answers: the link base, else (an unusable Host) the
     * address the connection reached, so that even that 400 links to absolute documentation.
     */
    readonly docsBase: string;
  }
}

/** The base of error answers' `documentation_url` (see `docsBase` below). */
export type DocsBaseOf = (request: IncomingMessage) => string;

/**
 * The link base, else the address the connection reached. A plain function as well as a request
 * property: the router's own refusals (a broken URL) come on requests without the decorators.
 */
export function docsBaseResolver(linkBaseOf: LinkBaseOf): DocsBaseOf {
  return (request) => linkBaseOf(request) ?? reachedBase(request);
}

function reachedBase(request: IncomingMessage): string {
  const { localAddress, localPort } = request.socket;
  const scheme = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  const host =
    localAddress === undefined
      ? 'localhost'
      : localAddress.includes(':')
        ? `[${localAddress}]`
        : localAddress;
  return `${scheme}://${host}${localPort === undefined ? '' : `:${localPort}`}`;
}

export function registerLinkBase(app: FastifyInstance, linkBaseOf: LinkBaseOf, docsBaseOf: DocsBaseOf): void {
  app.decorateRequest('linkBase', {
    getter(this: FastifyRequest) {
      const base = linkBaseOf(this.raw);
      if (base === undefined) {
        throw new AppError('INVALID_REQUEST', 'The Host header is missing or is not a host name', {
          field: 'Host',
        });
      }
      return base;
    },
  });
  app.decorateRequest('docsBase', {
    getter(this: FastifyRequest) {
      return docsBaseOf(this.raw);
    },
  });
}
