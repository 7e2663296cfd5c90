/**
 * Scenario 6: one large build (BENCH_UPLOAD_MB, default 1024) uploaded through the gateway
 * (ARTIFACT_STORAGE=s3) into an S3 server (s3rver, in this process, on loopback). Reports the
 * throughput and the gateway's peak RSS growth over its resident memory before the upload (target:
 * under 64 MB), and checks the SHA-256 the gateway answers against the file's.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { streamingMultipart } from '../test/artifacts/artifacts-fixtures.js';
import { testBucket } from '../test/helpers/fakes/fake-s3.js';
import { startGateway } from './bench-processes.js';

const TARGET_MB = 64;

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
}

/** A file of `sizeMb` MB of incompressible bytes (no two blocks alike); its SHA-256. */
function writeFile(file: string, sizeMb: number): string {
  const hash = createHash('sha256');
  const block = randomBytes(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < sizeMb; i += 1) {
    block.writeUInt32BE(i, 0);
    hash.update(block);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

export async function s3UploadScenario(options: { logFile: string }) {
  const sizeMb = Number(process.env.BENCH_UPLOAD_MB ?? 1024);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunarbit-bench-s3-'));
  try {
    const file = path.join(dir, 'trackly-setup.exe');
    const sha256 = writeFile(file, sizeMb);
    const bucket = await testBucket();
    const adminKey = randomBytes(32).toString('hex');
    const s3 = bucket.config;
    const gateway = await startGateway({
      dataDir: path.join(dir, 'data'),
      adminKey,
      logFile: options.logFile,
      env: {
        ARTIFACT_STORAGE: 's3',
        S3_BUCKET: s3.bucket,
        S3_REGION: s3.region,
        S3_ENDPOINT: s3.endpoint ?? '',
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: s3.credentials?.accessKeyId ?? '',
        S3_SECRET_ACCESS_KEY: s3.credentials?.secretAccessKey ?? '',
        S3_PREFIX: s3.prefix,
        MAX_UPLOAD_SIZE: `${sizeMb + 1}mb`,
      },
    });
    try {
      const auth = `Bearer ${adminKey}`;
      for (const [url, body] of [
        ['/admin/projects', { id: 'trackly', name: 'Trackly' }],
        ['/admin/projects/trackly/channels/stable/versions', { version: '2.0.0' }],
      ] as const) {
        const response = await request(`${gateway.url}${url}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (response.statusCode !== 201) throw new Error(`setup: ${await response.body.text()}`);
      }
      const baselineKb = rssKb(gateway.pid, 'VmRSS');
      fs.writeFileSync(`/proc/${gateway.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const form = streamingMultipart({ platform: 'windows', architecture: 'x64' }, file);
      const started = performance.now();
      const response = await request(
        `${gateway.url}/admin/projects/trackly/channels/stable/versions/2.0.0/builds`,
        {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': form.contentType,
            'content-length': String(form.length),
          },
          body: form.body,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
      );
      const build = (await response.body.json()) as { checksum?: { sha256: string } };
      const seconds = (performance.now() - started) / 1000;
      if (response.statusCode !== 201) throw new Error(`upload: ${JSON.stringify(build)}`);
      if (build.checksum?.sha256 !== sha256) throw new Error('upload: the SHA-256 differs from the file’s');
      const growthMb = Math.round(((rssKb(gateway.pid, 'VmHWM') - baselineKb) / 1024) * 10) / 10;
      const throughput = Math.round((sizeMb / seconds) * 10) / 10;
      const objects = await bucket.keys();
      return {
        result: {
          sizeMb,
          seconds: Math.round(seconds * 10) / 10,
          throughputMBps: throughput,
          rssGrowthMb: growthMb,
          objects: objects.length,
        },
        row: [
          `6 upload ${sizeMb} MB to S3`,
          '-',
          '-',
          '-',
          `${throughput} MB/s, gateway RSS +${growthMb} MB (target < ${TARGET_MB} MB)`,
        ],
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
