import fs from 'node:fs';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Requests answered during the measurement. */
  total: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Several request variants, sent in turn (e.g. many projects). */
  requests?: { path: string; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> }[];
  connections?: number;
  durationSeconds?: number;
}

export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.requests ? { requests: options.requests } : {}),
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? Number(process.env.BENCH_DURATION ?? 10),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
export function cpuTimeMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export interface AlternatedLoad {
  rounds: LoadResult[];
  /** The round with the median throughput. */
  median: LoadResult;
  /** The median of the rounds' p99 latencies. */
  medianP99Ms: number;
  /** The server's CPU time per answered request over every round (0 without a pid). */
  cpuMicrosPerRequest: number;
}

/** Measures each target in turn, `rounds` times, and keeps each one's median round. */
export async function alternate<Name extends string>(
  rounds: number,
  targets: Record<Name, { pid?: number; load: LoadOptions }>,
): Promise<Record<Name, AlternatedLoad>> {
  const names = Object.keys(targets) as Name[];
  const seen = new Map<Name, { rounds: LoadResult[]; cpuMs: number; requests: number }>(
    names.map((name) => [name, { rounds: [], cpuMs: 0, requests: 0 }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { pid, load } = targets[name];
      const before = pid === undefined ? 0 : cpuTimeMs(pid);
      const result = await measureLoad(load);
      const entry = seen.get(name)!;
      entry.cpuMs += pid === undefined ? 0 : cpuTimeMs(pid) - before;
      entry.requests += result.total;
      entry.rounds.push(result);
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const entry = seen.get(name)!;
      const sorted = [...entry.rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
      const p99s = entry.rounds.map((round) => round.p99Ms).sort((a, b) => a - b);
      return [
        name,
        {
          rounds: entry.rounds,
          median: sorted[Math.floor(sorted.length / 2)]!,
          medianP99Ms: p99s[Math.floor(p99s.length / 2)]!,
          cpuMicrosPerRequest: Math.round((entry.cpuMs * 1000) / Math.max(entry.requests, 1)),
        },
      ];
    }),
  ) as Record<Name, AlternatedLoad>;
}
