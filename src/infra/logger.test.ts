import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ACCESS_LINE_MESSAGE,
  batchLines,
  createAccessLineWriter,
  createLogger,
  jsonString,
} from './logger.js';

function recordingWriter() {
  const chunks: string[] = [];
  let flushes = 0;
  let syncFlushes = 0;
  return {
    chunks,
    flushes: () => flushes,
    syncFlushes: () => syncFlushes,
    write: (chunk: string) => {
      chunks.push(chunk);
      return true;
    },
    flush: () => {
      flushes++;
    },
    flushSync: () => {
      syncFlushes++;
    },
  };
}

describe('batched log lines', () => {
  it('hands lines over in order, in chunks of at least minBytes, and the rest on flush', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 80 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 500 }),
        (lines, minBytes) => {
          const writer = recordingWriter();
          const stream = batchLines(writer, minBytes);
          for (const line of lines) stream.write(line);
          for (const chunk of writer.chunks) assert.ok(chunk.length >= minBytes);
          stream.flush();
          assert.equal(writer.chunks.join(''), lines.join(''));
          assert.equal(writer.flushes(), 1);
        },
      ),
    );
  });

  it('flushSync hands over what it holds before the writer flushes', () => {
    const writer = recordingWriter();
    const stream = batchLines(writer, 1000);
    stream.write('a\n');
    stream.write('b\n');
    assert.deepEqual(writer.chunks, []);
    stream.flushSync();
    assert.deepEqual(writer.chunks, ['a\nb\n']);
    assert.equal(writer.syncFlushes(), 1);
  });

  it('loses no line when the process exits right after logging them (LOG_FILE)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-log-'));
    const logFile = path.join(dir, 'gateway.log');
    const script = `
      import { pino } from 'pino';
      import { logDestination } from './src/infra/logger.ts';
      const log = pino({ base: undefined }, logDestination({ logLevel: 'info', logFormat: 'json', logFile: ${JSON.stringify(logFile)} }));
      for (let i = 0; i < 5000; i++) log.info({ i }, 'line');
      process.exit(0);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5000);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { i: number }).i),
      Array.from({ length: 5000 }, (_, i) => i),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('access lines', () => {
  const settings = { logLevel: 'info', logFormat: 'json', logFile: undefined } as const;
  function capture() {
    const lines: string[] = [];
    return { lines, stream: { write: (line: string) => void lines.push(line) } };
  }
  const accessLine = fc.record(
    {
      requestId: fc.string({ maxLength: 40, unit: 'binary' }),
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      route: fc.string({ maxLength: 60, unit: 'binary' }),
      status: fc.integer({ min: 100, max: 599 }),
      durationMs: fc.integer({ min: 0, max: 10_000_000 }).map((hundredths) => hundredths / 100),
      caller: fc.option(fc.string({ maxLength: 40, unit: 'binary' }), { nil: null }),
      code: fc.string({ maxLength: 30 }),
    },
    { requiredKeys: ['requestId', 'method', 'route', 'status', 'durationMs', 'caller'] },
  );

  it('quote their strings as JSON.stringify does', () => {
    // Printable ASCII most of the time (the quoted-as-is case), any code unit otherwise.
    const text = fc.oneof(
      fc.string({
        maxLength: 40,
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      }),
      fc.string({ maxLength: 40, unit: 'binary' }),
      fc.string({
        maxLength: 40,
        unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      }),
    );
    fc.assert(
      fc.property(text, (value) => assert.equal(jsonString(value), JSON.stringify(value))),
      { numRuns: 5000 },
    );
    for (const edge of ['', '"', '\\', '\u001f', '\u007f', '~', ' ', 'req_a-b.c:d'])
      assert.equal(jsonString(edge), JSON.stringify(edge));
  });

  it('are the lines pino writes for the same fields, byte for byte', () => {
    const direct = capture();
    const throughPino = capture();
    const write = createAccessLineWriter(createLogger(settings, direct.stream), direct.stream);
    const pinoLogger = createLogger(settings, throughPino.stream);
    fc.assert(
      fc.property(accessLine, (line) => {
        write(line);
        pinoLogger.info(line, ACCESS_LINE_MESSAGE);
        const ours = direct.lines.pop()!;
        const pinos = throughPino.lines.pop()!;
        // The time field is the same function's; only a millisecond boundary between the two can differ.
        const withoutTime = (text: string) => text.replace(/"time":"[^"]*"/, '"time":""');
        assert.equal(withoutTime(ours), withoutTime(pinos));
        assert.deepEqual(JSON.parse(ours).requestId, line.requestId);
      }),
      { numRuns: 2000 },
    );
  });

  it('are not written below the info level, and go through the logger without a JSON destination', () => {
    const quiet = capture();
    createAccessLineWriter(
      createLogger({ ...settings, logLevel: 'warn' }, quiet.stream),
      quiet.stream,
    )({
      requestId: 'req_1',
      method: 'GET',
      route: '/health',
      status: 200,
      durationMs: 1,
      caller: null,
    });
    assert.deepEqual(quiet.lines, []);
    const pretty = capture();
    createAccessLineWriter(
      createLogger(settings, pretty.stream),
      undefined,
    )({
      requestId: 'req_2',
      method: 'GET',
      route: '/health',
      status: 200,
      durationMs: 1,
      caller: 'ci',
    });
    assert.equal(pretty.lines.length, 1);
    assert.equal(JSON.parse(pretty.lines[0]!).msg, ACCESS_LINE_MESSAGE);
  });
});
