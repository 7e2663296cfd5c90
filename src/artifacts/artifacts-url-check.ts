/**
 * Checks of externally hosted builds: reachable, and of the size the catalog claims (HEAD, else a
 * one-byte ranged GET for servers that refuse HEAD or omit the length); in `full` mode the file is
 * downloaded and its SHA-256 compared. Redirects are followed by hand so that every hop passes the
 * SSRF guard; every connection resolves names through the guarded lookup. Only a 404/410, a size or a
 * checksum mismatch fail a check; network trouble, other statuses and refusals are inconclusive.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { guardedLookup, OutboundRefused, refusedLiteralHost } from './artifacts-outbound-guard.js';
import { type CheckResult, httpStatusResult } from './artifacts-verification-policy.js';

const MAX_REDIRECTS = 5;

type Answer = Awaited<ReturnType<typeof request>>;

class CheckFailed extends Error {}

/** undici's timeout codes, by the phase they interrupted. */
const TIMEOUT_PHASES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connecting',
  UND_ERR_HEADERS_TIMEOUT: 'waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'reading the answer',
};

/** A network error as an admin reads it: `getaddrinfo ENOTFOUND cdn.example.com`, `timed out …`. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const codeText = typeof code === 'string' ? code : undefined;
  const phase = codeText !== undefined ? TIMEOUT_PHASES[codeText] : undefined;
  if (phase !== undefined) return `timed out ${phase} (after ${timeoutMs} ms)`;
  // Connection errors of several addresses (AggregateError) carry the code but an empty message.
  const text = typeof message === 'string' && message !== '' ? message : (codeText ?? String(error));
  return codeText !== undefined && !text.includes(codeText) ? `${text} (${codeText})` : text;
}

export function createUrlChecker(options: { allowPrivate: boolean; timeoutMs: number }) {
  const agent = new Agent({
    connect: { lookup: guardedLookup(options.allowPrivate), timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const running = new Set<AbortController>();

  async function open(
    url: string,
    method: 'HEAD' | 'GET',
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    let target = new URL(url);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        throw new CheckFailed(`refused ${target.protocol} URL`);
      }
      const refused = refusedLiteralHost(target, options.allowPrivate);
      if (refused !== undefined) throw new CheckFailed(`refused: ${refused}`);
      const controller = new AbortController();
      running.add(controller);
      try {
        const answer = await request(target, {
          method,
          headers,
          dispatcher: agent,
          signal: controller.signal,
        });
        const location = answer.headers.location;
        if (answer.statusCode >= 300 && answer.statusCode < 400 && typeof location === 'string') {
          await answer.body.dump();
          target = new URL(location, target);
          continue;
        }
        return answer;
      } finally {
        running.delete(controller);
      }
    }
    throw new CheckFailed(`more than ${MAX_REDIRECTS} redirects`);
  }

  /** The size the server reports, from HEAD or from a one-byte ranged GET. */
  async function reportedSize(url: string): Promise<{ status: number; size: number | undefined }> {
    const head = await open(url, 'HEAD');
    await head.body.dump();
    const length = Number(head.headers['content-length']);
    if (head.statusCode >= 200 && head.statusCode < 300 && Number.isSafeInteger(length) && length >= 0) {
      return { status: head.statusCode, size: length };
    }
    if (head.statusCode === 404 || head.statusCode === 410)
      return { status: head.statusCode, size: undefined };
    // Servers that refuse HEAD (405, 403 on signed CDNs) or omit the length: ask for one byte.
    const ranged = await open(url, 'GET', { range: 'bytes=0-0' });
    await ranged.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const total = /\/(\d+)$/.exec(String(ranged.headers['content-range'] ?? ''))?.[1];
    const plain = Number(ranged.headers['content-length']);
    const size =
      ranged.statusCode === 206 && total !== undefined
        ? Number(total)
        : ranged.statusCode === 200 && Number.isSafeInteger(plain)
          ? plain
          : undefined;
    return { status: ranged.statusCode, size };
  }

  /** A check that could not reach the file tells nothing about the file: inconclusive. */
  function unreachable(error: unknown): CheckResult {
    if (error instanceof CheckFailed) return { verdict: 'inconclusive', reason: error.message };
    const cause = (error as { cause?: unknown }).cause ?? error;
    if (cause instanceof OutboundRefused)
      return { verdict: 'inconclusive', reason: `refused: ${cause.message}` };
    return {
      verdict: 'inconclusive',
      reason: `unreachable: ${describeNetworkError(cause, options.timeoutMs)}`,
    };
  }

  return {
    async checkSize(url: string, expectedSize: number): Promise<CheckResult> {
      try {
        const { status, size } = await reportedSize(url);
        if (status >= 300) return httpStatusResult(status);
        if (size === undefined) {
          return { verdict: 'inconclusive', reason: `download URL reports no size (HTTP ${status})` };
        }
        if (size !== expectedSize) {
          return {
            verdict: 'failed',
            reason: `size mismatch: expected ${expectedSize} bytes, the server reports ${size}`,
          };
        }
        return { verdict: 'verified', detail: `reachable, ${size} bytes as expected` };
      } catch (error) {
        return unreachable(error);
      }
    },

    async checkContent(url: string, expectedSize: number, expectedSha256: string): Promise<CheckResult> {
      try {
        const answer = await open(url, 'GET');
        if (answer.statusCode >= 300) {
          await answer.body.dump();
          return httpStatusResult(answer.statusCode);
        }
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of answer.body) {
          size += (chunk as Buffer).length;
          // A file far larger than claimed is not read to its end.
          if (size > expectedSize) break;
          hash.update(chunk as Buffer);
        }
        if (size !== expectedSize) {
          answer.body.destroy();
          return {
            verdict: 'failed',
            reason: `size mismatch: expected ${expectedSize} bytes, downloaded ${size > expectedSize ? 'more' : size}`,
          };
        }
        const sha256 = hash.digest('hex');
        if (sha256 !== expectedSha256)
          return { verdict: 'failed', reason: `SHA-256 mismatch: the download hashes to ${sha256}` };
        return { verdict: 'verified', detail: `downloaded ${size} bytes, SHA-256 matches` };
      } catch (error) {
        return unreachable(error);
      }
    },

    /** Aborts running checks (they end as results nobody records) and closes connections. */
    async close(): Promise<void> {
      for (const controller of running) controller.abort();
      await agent.destroy();
    },
  };
}

export type UrlChecker = ReturnType<typeof createUrlChecker>;
