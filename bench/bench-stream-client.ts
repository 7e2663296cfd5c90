/**
 * The load client of the streaming-capacity benchmark, in a process of its own so that thousands of
 * streams do not share an event loop with the process that samples the gateway. Opens `count`
 * `"stream": true` requests at `openPerSecond`, each on its own connection, and reads them to the
 * end without keeping the bodies. Reads its job as JSON from STREAM_CLIENT_JOB and prints one JSON
 * result line (`StreamClientResult`) when every stream ended or gave up.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface StreamClientJob {
  url: string;
  headers: Record<string, string>;
  body: string;
  count: number;
  openPerSecond: number;
  /** A stream that receives nothing for this long is abandoned (counted as `timedOut`). */
  idleTimeoutMs: number;
}

export interface StreamClientResult {
  /** Request start to the first body byte, ms, one per stream that answered 200. */
  firstByteMs: number[];
  /** Streams that answered 200 and ended with exactly one `data: [DONE]`, at the end. */
  completed: number;
  /** Streams that answered 200 but did not end with exactly one `data: [DONE]` (an example body end). */
  malformed: { count: number; example?: string };
  statuses: Record<string, number>;
  timedOut: number;
  errors: { count: number; example?: string };
  /** The most requests in flight at once (sent, not ended), whether answered yet or waiting. */
  peakInFlight: number;
  /** The most streams held at once: first body byte received, end not yet. */
  peakStreaming: number;
  durationMs: number;
  /** The client's own CPU use over the run (1 = one core) and event-loop delay: is it the bottleneck? */
  cpuCores: number;
  eventLoopDelayP99Ms: number;
}

const DONE = 'data: [DONE]';
const RESOLUTION_MS = 10;

async function run(job: StreamClientJob): Promise<StreamClientResult> {
  const firstByteMs: number[] = [];
  const statuses: Record<string, number> = {};
  const malformed: StreamClientResult['malformed'] = { count: 0 };
  const errors: StreamClientResult['errors'] = { count: 0 };
  let completed = 0;
  let timedOut = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let streaming = 0;
  let peakStreaming = 0;
  const bodyLength = Buffer.byteLength(job.body);
  const headers = { ...job.headers, 'content-length': String(bodyLength) };

  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      let settled = false;
      let first = true;
      const settle = () => {
        if (settled) return;
        settled = true;
        inFlight--;
        if (!first) streaming--;
        resolve();
      };
      // agent: false: one connection per stream, as thousands of separate clients would open.
      const request = http.request(job.url, { method: 'POST', headers, agent: false });
      request.setTimeout(job.idleTimeoutMs, () => {
        if (!settled) timedOut++;
        settle();
        request.destroy();
      });
      request.on('error', (error) => {
        if (!settled) {
          errors.count++;
          errors.example ??= error.message;
        }
        settle();
      });
      request.on('response', (response) => {
        const status = String(response.statusCode);
        statuses[status] = (statuses[status] ?? 0) + 1;
        let markers = 0;
        // Shorter than a marker, so a marker split across chunks is counted once, when it completes.
        let carry = '';
        let end = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (first) {
            first = false;
            streaming++;
            peakStreaming = Math.max(peakStreaming, streaming);
            if (response.statusCode === 200) firstByteMs.push(performance.now() - started);
          }
          const text = carry + chunk;
          for (let at = text.indexOf(DONE); at !== -1; at = text.indexOf(DONE, at + DONE.length)) markers++;
          carry = text.slice(-(DONE.length - 1));
          end = (end + chunk).slice(-64);
        });
        response.on('error', () => settle());
        response.on('end', () => {
          if (response.statusCode === 200) {
            if (markers === 1 && end.trimEnd().endsWith(DONE)) completed++;
            else {
              malformed.count++;
              malformed.example ??= `${markers} markers, ends with ${JSON.stringify(end)}`;
            }
          }
          settle();
        });
      });
      request.end(job.body);
    });

  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const streams: Promise<void>[] = [];
  const intervalMs = 1000 / job.openPerSecond;
  // Opens the streams due so far every few ms: an even ramp that does not depend on timer precision.
  await new Promise<void>((resolve) => {
    const ticker = setInterval(() => {
      const due = Math.min(job.count, Math.floor((performance.now() - started) / intervalMs) + 1);
      while (streams.length < due) streams.push(one());
      if (streams.length === job.count) {
        clearInterval(ticker);
        resolve();
      }
    }, 2);
  });
  await Promise.all(streams);
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  return {
    firstByteMs,
    completed,
    malformed,
    statuses,
    timedOut,
    errors,
    peakInFlight,
    peakStreaming,
    durationMs: Math.round(durationMs),
    cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 100) / 100,
    eventLoopDelayP99Ms: Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS),
  };
}

const job = JSON.parse(process.env.STREAM_CLIENT_JOB ?? '') as StreamClientJob;
process.stdout.write(`${JSON.stringify(await run(job))}\n`);
