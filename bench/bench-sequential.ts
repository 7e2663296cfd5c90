/**
 * Sequential requests over one keep-alive connection, timed with sub-millisecond resolution
 * (autocannon's histogram counts whole milliseconds, too coarse for a "< 1 ms added" target).
 * With one request in flight there is no queueing, so the times are the service's own latency.
 */
import http from 'node:http';

export interface SequentialResult {
  /** Request start to the first body byte. */
  firstByte: Summary;
  /** Request start to the end of the body. */
  total: Summary;
  non2xx: number;
}

export interface SequentialOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  count: number;
  /** Throws when a response body is wrong, so that a broken proxy cannot post good figures. */
  verify?: (body: string) => void;
}

function percentile(sorted: number[], fraction: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
  return Math.round(value * 1000) / 1000;
}

interface Summary {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

const summary = (samples: number[]): Summary => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, sample) => sum + sample, 0) / Math.max(samples.length, 1);
  return {
    meanMs: Math.round(mean * 1000) / 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
};

function timeOne(agent: http.Agent, options: SequentialOptions) {
  return new Promise<{ status: number; firstByteMs: number; totalMs: number; body: string }>(
    (resolve, reject) => {
      const started = performance.now();
      let firstByteMs = Number.NaN;
      const headers = { ...options.headers, 'content-length': Buffer.byteLength(options.body) };
      const request = http.request(options.url, { method: 'POST', agent, headers });
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          if (chunks.length === 0) firstByteMs = performance.now() - started;
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const totalMs = performance.now() - started;
          resolve({
            status: response.statusCode ?? 0,
            firstByteMs,
            totalMs,
            body: Buffer.concat(chunks).toString(),
          });
        });
      });
      request.end(options.body);
    },
  );
}

export async function measureSequential(options: SequentialOptions): Promise<SequentialResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const firstBytes: number[] = [];
  const totals: number[] = [];
  let non2xx = 0;
  try {
    for (let i = 0; i < options.count; i++) {
      const result = await timeOne(agent, options);
      if (result.status < 200 || result.status > 299) non2xx++;
      else options.verify?.(result.body);
      firstBytes.push(result.firstByteMs);
      totals.push(result.totalMs);
    }
  } finally {
    agent.destroy();
  }
  return { firstByte: summary(firstBytes), total: summary(totals), non2xx };
}
