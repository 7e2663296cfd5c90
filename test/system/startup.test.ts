import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startGateway, tempDataDir, waitForOutput } from '../helpers/gateway-process.js';

describe('process startup', () => {
  it('refuses production without API_KEY_ADMIN, naming the variable', async (t) => {
    const run = startGateway({ NODE_ENV: 'production', DATA_DIR: tempDataDir(t), PORT: '0' });
    assert.notEqual(await run.exited, 0);
    assert.match(run.output(), /API_KEY_ADMIN is required/);
  });

  it('refuses an invalid PORT, naming the variable', async (t) => {
    const run = startGateway({ PORT: 'http', DATA_DIR: tempDataDir(t) });
    assert.notEqual(await run.exited, 0);
    assert.match(run.output(), /PORT="http" is invalid/);
  });

  it('in development generates an admin key once (mode 0600), serves /health, and exits 0 on SIGTERM', async (t) => {
    const dataDir = tempDataDir(t);
    const run = startGateway({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    t.after(() => run.child.kill('SIGKILL'));
    const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    const [, printedKey] = await waitForOutput(run, /\n\s+(lbadmin_[0-9a-f]{64})\n/);
    const file = path.join(dataDir, 'admin-key');
    assert.equal(fs.readFileSync(file, 'utf8').trim(), printedKey);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const health = await fetch(`${url}/api/v2/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'healthy');

    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);

    const second = startGateway({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    t.after(() => second.child.kill('SIGKILL'));
    await waitForOutput(second, /listening on/);
    await waitForOutput(second, /Admin key: the development key stored in/);
    assert.doesNotMatch(second.output(), /lbadmin_/, 'the key is printed only when generated');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('on SQLite with files on local disk and no Redis loads no client it does not use (S3, GitHub until needed, PostgreSQL, Redis)', async (t) => {
    const dataDir = tempDataDir(t);
    const imports = path.join(dataDir, 'imports.txt');
    const run = startGateway(
      { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', GITHUB_TOKEN: 'ghp_unused' },
      { recordImportsTo: imports },
    );
    t.after(() => run.child.kill('SIGKILL'));
    const [, url] = await waitForOutput(run, /listening on (http:\/\/\S+)/);
    assert.equal((await fetch(`${url}/api/v2/health`)).status, 200);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);

    const resolved = fs.readFileSync(imports, 'utf8').split('\n');
    // The recording works: packages the gateway does load are there.
    assert.ok(resolved.some((url) => url.includes('/node_modules/fastify/')));
    assert.ok(resolved.some((url) => url.endsWith('/src/github/github-client.ts')));
    assert.ok(resolved.some((url) => url.includes('/node_modules/better-sqlite3/')));
    // Code such a gateway never runs (resident memory for nothing, docs/architecture.md).
    assert.deepEqual(
      resolved.filter((url) =>
        /\/node_modules\/(@(aws-sdk|smithy|octokit)\/|pg(-[a-z-]+)?\/|ioredis\/)/.test(url),
      ),
      [],
    );
  });
});
