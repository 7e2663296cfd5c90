/**
 * Slow and abandoned request bodies, over real sockets: a body that stops arriving gets 408 and its
 * connection closed; a request answered before its body arrived (401, 413, 415) has its connection
 * closed instead of kept open for the rest of the body. The deadline is configured small here; the
 * clients send part of a body and then nothing, so no outcome depends on how fast the machine is.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { multipart, trackly, UPLOAD_URL } from '../artifacts/artifacts-fixtures.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth } from '../helpers/keys.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends the head and the first bytes of a body, then nothing; resolves when the server closes the connection. */
async function sendPartially(
  app: FastifyInstance,
  head: string,
  bodyStart: Buffer | string,
): Promise<{ answer: RawAnswer; closedByServer: true }> {
  const { port } = app.server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(head);
  socket.write(bodyStart);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Only the server can end it: this client never sends the rest and never closes.
  await new Promise((resolve) => socket.once('end', resolve));
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  const [headText = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = headText.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { answer: { status: Number(statusLine.split(' ')[1]), headers, body }, closedByServer: true };
}

function requestHead(method: string, url: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'localhost', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function errorCode(answer: RawAnswer): string {
  return (JSON.parse(answer.body) as { error: { code: string } }).error.code;
}

async function listeningApp(t: Parameters<typeof buildTestApp>[0], bodyTimeoutMs: number) {
  const testApp = await buildTestApp(t, { config: { bodyTimeoutMs } });
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  return testApp;
}

const HOUR = 3_600_000;

describe('request bodies that stop arriving', { timeout: 60_000 }, () => {
  it('a JSON body that stops halfway gets 408 REQUEST_TIMEOUT with the envelope, and the connection is closed', async (t) => {
    const { app, logLines } = await listeningApp(t, 200);
    const body = JSON.stringify({ name: 'slow-key', permissions: { canReadVersions: true } });
    const { answer } = await sendPartially(
      app,
      requestHead('POST', '/admin/keys', {
        ...adminAuth,
        'content-type': 'application/json',
        'content-length': body.length,
      }),
      body.slice(0, 10),
    );
    assert.equal(answer.status, 408);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(errorCode(answer), 'REQUEST_TIMEOUT');
    const envelope = JSON.parse(answer.body) as { error: Record<string, unknown> };
    assert.deepEqual(envelope.error.details, { body_timeout_ms: 200 });
    assert.match(String(envelope.error.documentation_url), /\/docs\/errors#REQUEST_TIMEOUT$/);
    assert.equal(envelope.error.request_id, answer.headers['x-request-id']);
    const line = logLines().find((entry) => entry.msg === 'request completed' && entry.status === 408);
    assert.equal(line?.code, 'LC_ERR_REQUEST_TIMEOUT');
    // Nothing was created from the part that arrived.
    const keys = await app.inject({ method: 'GET', url: '/admin/keys', headers: adminAuth });
    assert.doesNotMatch(keys.body, /slow-key/);
  });

  it('a chunked body that never ends gets 408 as well', async (t) => {
    const { app } = await listeningApp(t, 200);
    const { answer } = await sendPartially(
      app,
      requestHead('POST', '/admin/keys', {
        ...adminAuth,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      }),
      '5\r\n{"nam\r\n',
    );
    assert.equal(answer.status, 408);
    assert.equal(errorCode(answer), 'REQUEST_TIMEOUT');
  });

  it('an upload that stalls gets 408, and neither a file nor a staged part stays behind', async (t) => {
    const { app, namespace } = await listeningApp(t, 200);
    await trackly(app);
    const { payload, headers } = multipart(
      { platform: 'linux', architecture: 'x64' },
      Buffer.alloc(64 * 1024, 7),
    );
    const { answer } = await sendPartially(
      app,
      requestHead('POST', UPLOAD_URL, { ...headers, 'content-length': payload.length }),
      payload.subarray(0, payload.length / 2),
    );
    assert.equal(answer.status, 408);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(errorCode(answer), 'REQUEST_TIMEOUT');
    const artifacts = path.join(namespace.dataDir, 'artifacts');
    const files = fs.existsSync(artifacts) ? fs.readdirSync(artifacts, { recursive: true }) : [];
    assert.deepEqual(
      files.filter((file) => String(file).endsWith('.part') || String(file).includes('linux')),
      [],
    );
  });
});

describe('requests answered before their body arrived', { timeout: 60_000 }, () => {
  // The body deadline is an hour here: only the early answer can close these connections.
  it('401 to a request whose body is still arriving closes the connection at once', async (t) => {
    const { app } = await listeningApp(t, HOUR);
    const { answer } = await sendPartially(
      app,
      requestHead('POST', '/admin/keys', { 'content-type': 'application/json', 'content-length': 100_000 }),
      '{"name":',
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(errorCode(answer), 'UNAUTHORIZED');
  });

  it('413 for a declared length beyond the limit closes the connection', async (t) => {
    const { app } = await listeningApp(t, HOUR);
    const { answer } = await sendPartially(
      app,
      requestHead('POST', '/admin/keys', {
        ...adminAuth,
        'content-type': 'application/json',
        'content-length': 50 * 1024 * 1024,
      }),
      '{"name":',
    );
    assert.equal(answer.status, 413);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(errorCode(answer), 'PAYLOAD_TOO_LARGE');
  });

  it('415 for a body type the route does not take closes the connection', async (t) => {
    const { app } = await listeningApp(t, HOUR);
    const { answer } = await sendPartially(
      app,
      requestHead('POST', '/admin/keys', {
        ...adminAuth,
        'content-type': 'text/plain',
        'content-length': 100_000,
      }),
      'name=',
    );
    assert.equal(answer.status, 415);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(errorCode(answer), 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a request answered after its body was read keeps its keep-alive connection', async (t) => {
    const { app } = await listeningApp(t, HOUR);
    const { port } = app.server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    const request = (name: string) => {
      const body = JSON.stringify({ name, permissions: { canReadVersions: true } });
      const head = requestHead('POST', '/admin/keys', {
        ...adminAuth,
        'content-type': 'application/json',
        'content-length': body.length,
      });
      return head + body;
    };
    let received = '';
    const twoAnswers = new Promise<void>((resolve) =>
      socket.on('data', (chunk) => {
        received += chunk;
        if (received.match(/HTTP\/1\.1 201/g)?.length === 2) resolve();
      }),
    );
    socket.write(request('first'));
    socket.write(request('second'));
    await twoAnswers;
    assert.doesNotMatch(received, /connection: close/i);
  });
});
