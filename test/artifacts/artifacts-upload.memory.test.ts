/**
 * Acceptance: a 200 MB upload through a real listening server (in its own process) grows the
 * server's resident memory by less than half the file's size, and the stored SHA-256 equals
 * `sha256sum` of the file:
 * to the local disk, and to an S3 server (s3rver, in the test's process) as a multipart upload.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { testBucket } from '../helpers/fakes/fake-s3.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { storedFiles, streamingMultipart } from './artifacts-fixtures.js';

const SIZE_MB = 200;
/**
 * A server that held the upload in memory would grow by at least SIZE_MB. Measured peak growth on
 * 2 cores, to the local disk: 31-37 MB on Node.js 20, 63-64 MB on Node.js 24, whose V8 lets more dead
 * request chunks pile up before a collection (with a forced collection every 200 ms, Node.js 24 grew
 * by 11 MB; the young generation's size made no difference: 56 MB with --max-semi-space-size=8,
 * 69 MB with 64). S3 uploads also hold the parts in flight (lib-storage gathers one part while two
 * are sent): 39-54 MB on Node.js 20.
 */
const LIMIT_MB = { local: SIZE_MB / 2, s3: SIZE_MB / 2 };

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
}

/** Resets the kernel's peak-RSS counter of `pid` (Linux ≥ 4.0); false where that is not allowed. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 of what a stream yields. */
async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(chunk);
  return hash.digest('hex');
}

for (const storage of ['local', 's3'] as const) {
  it(`uploads ${SIZE_MB} MB to ${storage} storage with the server's RSS growing by less than ${LIMIT_MB[storage]} MB`, {
    skip: process.platform !== 'linux' && 'needs /proc',
    timeout: 300_000,
  }, async (t) => {
    const bucket = storage === 's3' ? await testBucket() : undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-upload-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'trackly-2.0.0-win-x64.exe');
    const block = randomBytes(1024 * 1024);
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < SIZE_MB; i += 1) {
      block.writeUInt32BE(i, 0); // no two blocks alike
      fs.writeSync(fd, block);
    }
    fs.closeSync(fd);
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);

    const fixture = path.join(import.meta.dirname, 'upload-gateway.fixture.ts');
    const args = ['--import', 'tsx', fixture, dataDir, ...(bucket ? [JSON.stringify(bucket.config)] : [])];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGTERM'));
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${JSON.parse(firstLine).port}`;
    const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    for (const [url, body] of [
      ['/admin/projects', { id: 'trackly', name: 'Trackly' }],
      ['/admin/projects/trackly/channels/stable/versions', { version: '2.0.0' }],
    ] as const) {
      const response = await request(`${base}${url}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(response.statusCode, 201, await response.body.text());
    }

    const pid = child.pid as number;
    const baselineKb = rssKb(pid, 'VmRSS');
    const peakReset = resetPeak(pid);
    let sampledPeakKb = baselineKb;
    const sampler = setInterval(() => {
      sampledPeakKb = Math.max(sampledPeakKb, rssKb(pid, 'VmRSS'));
    }, 20);
    const form = streamingMultipart({ platform: 'windows', architecture: 'x64' }, file);
    const started = Date.now();
    const response = await request(`${base}/admin/projects/trackly/channels/stable/versions/2.0.0/builds`, {
      method: 'POST',
      headers: {
        authorization: headers.authorization,
        'content-type': form.contentType,
        'content-length': String(form.length),
      },
      body: form.body,
    });
    const build = (await response.body.json()) as { file_size: number; checksum: { sha256: string } };
    clearInterval(sampler);
    assert.equal(response.statusCode, 201, JSON.stringify(build));
    const peakKb = Math.max(sampledPeakKb, peakReset ? rssKb(pid, 'VmHWM') : 0);
    const growthMb = (peakKb - baselineKb) / 1024;
    t.diagnostic(
      `server RSS: baseline ${(baselineKb / 1024).toFixed(1)} MB, peak ${(peakKb / 1024).toFixed(1)} MB, growth ${growthMb.toFixed(1)} MB ` +
        `(${peakReset ? 'kernel peak counter and ' : ''}20 ms samples); upload took ${Date.now() - started} ms`,
    );
    assert.ok(growthMb < LIMIT_MB[storage], `RSS grew by ${growthMb.toFixed(1)} MB`);

    const sha256sum = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(build.checksum.sha256, sha256sum);
    assert.equal(build.file_size, SIZE_MB * 1024 * 1024);
    if (bucket !== undefined) {
      const [key] = await bucket.keys();
      const object = await bucket.client.send(
        new GetObjectCommand({ Bucket: bucket.config.bucket, Key: key }),
      );
      assert.equal(await sha256Of(object.Body as AsyncIterable<Uint8Array>), sha256sum);
      assert.ok(
        bucket.requests().some((r) => /partNumber=2\b/.test(r.url)),
        'a multipart upload',
      );
      return;
    }
    const stored = storedFiles(dataDir);
    assert.equal(stored.length, 1);
    assert.equal(
      execFileSync('sha256sum', [stored[0] as string], { encoding: 'utf8' }).split(' ')[0],
      sha256sum,
    );
  });
}
