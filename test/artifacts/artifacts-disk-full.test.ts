/**
 * An upload to a full disk. A small tmpfs needs privileges the tests do not have; instead the
 * gateway runs as a child process under `ulimit -f` (RLIMIT_FSIZE): the kernel refuses to grow any
 * file past the limit with EFBIG, exactly where a full disk refuses with ENOSPC (Node ignores the
 * SIGXFSZ that would otherwise end the process). The database stays far below the limit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startGateway, tempDataDir, waitForOutput } from '../helpers/gateway-process.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';
import { multipart } from './artifacts-fixtures.js';

const LIMIT_KB = 8 * 1024;
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('uploads when the disk is full (RLIMIT_FSIZE child gateway)', () => {
  it('answer 503 STORAGE_UNAVAILABLE with Retry-After, store nothing, and /health says so until an upload fits', async (t) => {
    const dataDir = tempDataDir(t);
    const run = startGateway(
      {
        DATA_DIR: dataDir,
        PORT: '0',
        API_KEY_ADMIN: TEST_ADMIN_KEY,
        LOG_LEVEL: 'error',
        VERIFY_BUILDS: 'false',
      },
      { fileSizeLimitKb: LIMIT_KB },
    );
    t.after(() => run.child.kill('SIGKILL'));
    const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    const call = (method: string, route: string, body?: unknown) =>
      fetch(`${url}${route}`, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await call('POST', '/admin/projects', { id: 'trackly', name: 'Trackly' })).status, 201);
    const versions = '/admin/projects/trackly/channels/stable/versions';
    assert.equal((await call('POST', versions, { version: '1.0.0' })).status, 201);
    const upload = (size: number) => {
      const form = multipart({ platform: 'windows', architecture: 'x64' }, Buffer.alloc(size, 9));
      return fetch(`${url}${versions}/1.0.0/builds`, {
        method: 'POST',
        headers: form.headers,
        body: form.payload,
      });
    };

    const refused = await upload((LIMIT_KB + 1024) * 1024);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '30');
    const { error } = (await refused.json()) as { error: { code: string; details: unknown } };
    assert.equal(error.code, 'STORAGE_UNAVAILABLE');
    assert.deepEqual(error.details, { storage: 'file storage', reason: 'disk_full' });
    await waitForOutput(run, /EFBIG/);
    const staging = path.join(dataDir, 'artifacts', '.staging');
    assert.deepEqual(fs.existsSync(staging) ? fs.readdirSync(staging) : [], [], 'no staged file left');
    const builds = await fetch(`${url}${versions}/1.0.0`, { headers: auth });
    assert.deepEqual(((await builds.json()) as { builds: unknown[] }).builds, [], 'no build row');

    const degraded = (await (await fetch(`${url}/health`)).json()) as { status: string; checks: unknown };
    assert.equal(degraded.status, 'degraded');
    assert.deepEqual(degraded.checks, {
      database: 'ok',
      database_writes: 'ok',
      artifact_writes: 'disk_full',
    });

    assert.equal((await upload(1024 * 1024)).status, 201);
    const recovered = (await (await fetch(`${url}/health`)).json()) as { status: string };
    assert.equal(recovered.status, 'healthy');
  });
});
