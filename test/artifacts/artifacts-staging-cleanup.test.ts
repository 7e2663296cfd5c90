import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { buildRows, multipart, trackly, UPLOAD_URL } from './artifacts-fixtures.js';

/** A staged upload as a process killed in the middle of it leaves it: a `.part` last written before now. */
function crashLeftover(dataDir: string, writtenAtMs: number): string {
  const staging = path.join(dataDir, 'artifacts', '.staging');
  fs.mkdirSync(staging, { recursive: true });
  const file = path.join(staging, `${randomUUID()}.part`);
  fs.writeFileSync(file, Buffer.alloc(64 * 1024, 7));
  const at = new Date(writtenAtMs);
  fs.utimesSync(file, at, at);
  return file;
}

describe('staged uploads left by a crash', () => {
  it('are removed when the gateway starts; an upload this process is writing is not touched', async (t) => {
    const first = await buildTestApp(t);
    await trackly(first.app);
    // An upload in progress in this process: staged, some bytes written, not committed yet.
    const inProgress = await first.app.gateway.artifacts.storage.stage(`trackly/${randomUUID()}`);
    inProgress.sink.write(Buffer.alloc(1024, 1));
    await inProgress.flush();
    const dataDir = first.namespace.dataDir;
    const stagedNow = fs.readdirSync(path.join(dataDir, 'artifacts', '.staging'));
    assert.equal(stagedNow.length, 1);
    // Written a minute before this process started (the crashed process), and just before it.
    const leftovers = [
      crashLeftover(dataDir, performance.timeOrigin - 60_000),
      crashLeftover(dataDir, performance.timeOrigin - 1),
    ];

    // The restart: a gateway built on the same DATA_DIR.
    const second = await buildTestApp(t, { shareWith: first });
    for (const file of leftovers) assert.equal(fs.existsSync(file), false, `${path.basename(file)} removed`);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'artifacts', '.staging')), stagedNow);
    const warned = second
      .logLines()
      .find((line) => line.msg === 'removed staged uploads that a crash left behind');
    assert.equal(warned?.removed, 2);

    // The upload in progress still completes under its key.
    await inProgress.commit();
    const response = await second.app.inject({
      method: 'POST',
      url: UPLOAD_URL,
      ...multipart({ platform: 'windows', architecture: 'x64' }, Buffer.alloc(2048, 3)),
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal((await buildRows(second.app)).length, 1);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'artifacts', '.staging')), []);
  });
});
