import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { batchLines } from './logger.js';

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
