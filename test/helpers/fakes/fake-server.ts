/**
 * The common part of the fake AI upstreams: a real HTTP server on an ephemeral port that records
 * every request (and whether the client hung up before the answer was complete) and applies
 * scripted behaviours, so tests exercise the real sockets, framing and timeouts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake answers one request. */
export type FakeBehaviour =
  | { kind: 'ok' }
  /** An HTTP error answer with the vendor's error body (and headers such as retry-after). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /**
   * Reads the request and closes the connection without a byte of answer; with `reusedOnly`, only
   * on a connection that carried an earlier request (a fresh one is answered as `ok`).
   */
  | { kind: 'drop'; reusedOnly?: boolean }
  /** Streams `afterEvents` events, then destroys the socket. */
  | { kind: 'cut-mid-stream'; afterEvents?: number }
  /** Streams `afterEvents` events, then goes silent with the connection open. */
  | { kind: 'stall-mid-stream'; afterEvents?: number }
  /** A 200 answer whose body (or a stream event) is not JSON. */
  | { kind: 'invalid-json' }
  /** The vendor's in-stream error after the first content event. */
  | { kind: 'stream-error' }
  /** An answer without usage (stream without the usage chunk). */
  | { kind: 'no-usage' }
  /** Answers with a tool call to the first tool of the request. */
  | { kind: 'tool-call'; arguments?: string };

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The client's port: requests with the same one came over the same connection. */
  clientPort: number | undefined;
  /** Requests its connection carried before this one. */
  earlierOnConnection: number;
  behaviour: FakeBehaviour;
  /** Set when the client closed the connection before the answer was complete. */
  clientClosedEarly: boolean;
  /** Resolves when the connection of this request closed, by either side. */
  closed: Promise<void>;
}

export interface FakeServerOptions {
  /** Called before each answer, e.g. to advance a manual clock by a simulated latency. */
  onRequest?: (request: RecordedRequest) => void | Promise<void>;
  /** `false` keeps no request in `requests`: a benchmark's load would grow it without bound. */
  record?: boolean;
  /** How long an idle connection is kept (Node's `keepAliveTimeout`, default 5 s), and hinted in `Keep-Alive`. */
  keepAliveMs?: number;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; afterwards `defaultBehaviour` applies. */
  script(...behaviours: FakeBehaviour[]): void;
  defaultBehaviour: FakeBehaviour;
  close(): Promise<void>;
}

export interface FakeExchange {
  request: RecordedRequest;
  res: http.ServerResponse;
  /** Writes server-sent event frames, applying cut/stall behaviours; resolves when done. */
  writeEvents(frames: string[]): Promise<void>;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
}

export type FakeHandler = (exchange: FakeExchange) => void | Promise<void>;

export async function startFakeServer(
  handler: FakeHandler,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const queue: FakeBehaviour[] = [];
  const fake = {} as FakeServer;
  fake.defaultBehaviour = { kind: 'ok' };
  const requestsPerConnection = new WeakMap<object, number>();

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const earlierOnConnection = requestsPerConnection.get(req.socket) ?? 0;
    requestsPerConnection.set(req.socket, earlierOnConnection + 1);
    let cutByServer = false;
    let markClosed = () => {};
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      clientPort: req.socket.remotePort,
      earlierOnConnection,
      behaviour: queue.shift() ?? fake.defaultBehaviour,
      clientClosedEarly: false,
      closed: new Promise((resolve) => {
        markClosed = resolve;
      }),
    };
    if (options.record !== false) requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished && !cutByServer) recorded.clientClosedEarly = true;
      markClosed();
    });
    await options.onRequest?.(recorded);
    if (recorded.behaviour.kind === 'hang') return;
    const { behaviour } = recorded;
    if (behaviour.kind === 'drop' && (!behaviour.reusedOnly || earlierOnConnection > 0)) {
      cutByServer = true;
      res.socket?.destroy();
      return;
    }

    const exchange: FakeExchange = {
      request: recorded,
      res,
      json(status, payload, headers = {}) {
        const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(raw);
      },
      async writeEvents(frames) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const behaviour = recorded.behaviour;
        const stopAt =
          behaviour.kind === 'cut-mid-stream' || behaviour.kind === 'stall-mid-stream'
            ? (behaviour.afterEvents ?? Math.floor(frames.length / 2))
            : frames.length;
        for (const [index, frame] of frames.entries()) {
          if (index === stopAt) break;
          // Split every frame in two writes so that clients meet events across chunk boundaries.
          const middle = Math.floor(frame.length / 2);
          res.write(frame.slice(0, middle));
          await new Promise((resolve) => setImmediate(resolve));
          res.write(frame.slice(middle));
        }
        if (behaviour.kind === 'cut-mid-stream') {
          cutByServer = true;
          // Let the written frames reach the client before the connection drops.
          await new Promise((resolve) => setTimeout(resolve, 5));
          res.socket?.destroy();
          return;
        }
        if (behaviour.kind === 'stall-mid-stream') return;
        res.end();
      },
    };
    await handler(exchange);
  });

  if (options.keepAliveMs !== undefined) server.keepAliveTimeout = options.keepAliveMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.requests = requests;
  fake.script = (...behaviours) => {
    queue.push(...behaviours);
  };
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

/** A URL where nothing listens: a provider that is down. */
export async function unreachableUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The words of a reply as separate stream deltas (the first carries no leading space). */
export function replyDeltas(reply: string): string[] {
  return reply.split(/(?= )/);
}
