/**
 * The baseline of the streaming-capacity benchmark: the least a proxy does. Takes each request
 * with `node:http`, sends it to UPSTREAM_URL with undici (the gateway's HTTP client, an unlimited
 * keep-alive pool) and writes the answer's bytes to the client as they arrive: no authentication,
 * no limits, no logs, no parsing. Prints `listening on <url>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

const upstream = new URL(process.env.UPSTREAM_URL ?? '');
const agent = new Agent({ connections: null, keepAliveTimeout: 30_000 });

const server = http.createServer((request, response) => {
  const body: Buffer[] = [];
  request.on('data', (chunk: Buffer) => body.push(chunk));
  request.on('end', () => {
    agent.dispatch(
      {
        origin: upstream.origin,
        path: request.url ?? '/',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: request.headers.authorization ?? '',
          accept: 'text/event-stream',
        },
        body: Buffer.concat(body),
      },
      {
        onConnect() {},
        onHeaders(status: number) {
          response.writeHead(status, { 'content-type': 'text/event-stream' });
          return true;
        },
        onData(chunk: Buffer) {
          response.write(chunk);
          return true;
        },
        onComplete() {
          response.end();
        },
        onError(error: Error) {
          response.destroy(error);
        },
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
