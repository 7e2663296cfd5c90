import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Compiles `CORS_ORIGINS` entries into a predicate. Entries are exact origins
 * (`https://app.example.com`), subdomain wildcards (`https://*.example.com`, which does not match
 * the bare domain), any-port wildcards (`http://localhost:*`) or `*` for every origin.
 */
export function compileOriginMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')).map((p) => p.toLowerCase()));
  const wildcards = patterns.filter((p) => p.includes('*')).map(wildcardToRegExp);
  return (origin) => {
    const normalised = origin.toLowerCase();
    return exact.has(normalised) || wildcards.some((regex) => regex.test(normalised));
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wildcardToRegExp(pattern: string): RegExp {
  const match = /^(https?):\/\/(\*\.)?([^:/*]+)(?::(\d+|\*))?$/i.exec(pattern);
  if (!match) return /$^/; // config validation rejects such patterns; match nothing
  const [, scheme, subdomains, host, port] = match;
  const subdomainPart = subdomains ? '(?:[a-z0-9-]+\\.)+' : '';
  const portPart = port === '*' ? '(?::\\d{1,5})?' : port ? `:${port}` : '';
  return new RegExp(
    `^${scheme!.toLowerCase()}://${subdomainPart}${escapeRegExp(host!.toLowerCase())}${portPart}$`,
  );
}

export async function registerCors(app: FastifyInstance, patterns: readonly string[]): Promise<void> {
  const allowed = compileOriginMatcher(patterns);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Authorization',
      'X-API-Key',
      'Content-Type',
      'X-Request-Id',
      'X-Client-Id',
      'If-None-Match',
    ],
    exposedHeaders: [
      'X-Request-Id',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'RateLimit',
      'RateLimit-Policy',
      'Retry-After',
      'ETag',
    ],
    maxAge: 600,
    strictPreflight: true,
  });
}
