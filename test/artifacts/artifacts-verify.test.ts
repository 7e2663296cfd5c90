/** Build verification: what decides `verified` and `failed` (unreachable hosts: artifacts-verify-retries). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createManualClock, isoString } from '../../src/infra/clock.js';
import { admin } from '../catalog/catalog-fixtures.js';
import { databaseBackends } from '../helpers/services.js';
import { download, storageCases } from './artifact-storages.fixture.js';
import { UPLOAD_URL, upload } from './artifacts-fixtures.js';
import { verificationApp } from './verify-fixtures.js';

for (const { backend, skip } of await databaseBackends()) {
  describe(`build verification [${backend}]`, { skip }, () => {
    it('marks a reachable build of the right size verified, a 404, a 410 and a wrong size failed, with reasons', async (t) => {
      const { external, host } = await verificationApp(t, backend);
      const good = await external('good', '/ok.bin');
      assert.equal(good.status, 'verified', good.status_reason);
      assert.match(good.verified_at, /^\d{4}-/);
      assert.equal(good.verification_attempts, 0);
      assert.equal(good.next_retry_at, null);
      const missing = await external('missing', '/gone.bin');
      assert.equal(missing.status, 'failed');
      assert.equal(missing.status_reason, 'download URL answered HTTP 404');
      assert.equal(missing.next_retry_at, null, 'definitive: nothing to retry');
      const removed = await external('removed', '/status/410');
      assert.equal(removed.status, 'failed');
      assert.equal(removed.status_reason, 'download URL answered HTTP 410');
      const wrongSize = await external('wrong-size', '/ok.bin', { size: 1234 });
      assert.equal(wrongSize.status, 'failed');
      assert.equal(
        wrongSize.status_reason,
        `size mismatch: expected 1234 bytes, the server reports ${host.file.length}`,
      );
      const noHead = await external('no-head', '/no-head.bin');
      assert.equal(noHead.status, 'verified', `falls back to a ranged GET: ${noHead.status_reason}`);
    });

    it('VERIFY_DOWNLOADS=full downloads the file and compares its size and SHA-256', async (t) => {
      const { external, host } = await verificationApp(t, backend, { mode: 'full' });
      const good = await external('good', '/ok.bin');
      assert.equal(good.status, 'verified');
      assert.equal(good.status_reason, `downloaded ${host.file.length} bytes, SHA-256 matches`);
      const tampered = await external('tampered', '/ok.bin', { sha256: 'f'.repeat(64) });
      assert.equal(tampered.status, 'failed');
      assert.match(tampered.status_reason, /^SHA-256 mismatch: the download hashes to [0-9a-f]{64}$/);
      const shorter = await external('shorter', '/ok.bin', { size: host.file.length + 10 });
      assert.equal(shorter.status, 'failed');
      assert.equal(
        shorter.status_reason,
        `size mismatch: expected ${host.file.length + 10} bytes, downloaded ${host.file.length}`,
      );
      assert.equal((await external('missing', '/gone.bin')).status, 'failed');
    });

    it('verifies new builds in the background and on the schedule; unknown builds are 404', async (t) => {
      const { app, addExternal, clock } = await verificationApp(t, backend, { automatic: true });
      await addExternal('first', '/ok.bin');
      await addExternal('second', '/gone.bin', { platform: 'windows' });
      const { verifier } = app.gateway.artifacts;
      await verifier.idle();
      const status = async () =>
        Object.fromEntries(
          (
            await app.gateway.database.db
              .selectFrom('builds')
              .select(['id', 'status', 'verified_at'])
              .execute()
          ).map((row) => [row.id, [row.status, row.verified_at]]),
        );
      const checkedAt = isoString(clock.now());
      assert.deepEqual(await status(), { first: ['verified', checkedAt], second: ['failed', checkedAt] });

      // Within the interval nothing is due; once it has passed, every build is checked again.
      clock.advance(app.gateway.config.artifacts.verify.intervalMs - 1000);
      await verifier.scheduledPass();
      await verifier.idle();
      assert.deepEqual(await status(), { first: ['verified', checkedAt], second: ['failed', checkedAt] });
      clock.advance(2000);
      await verifier.scheduledPass();
      await verifier.idle();
      const recheckedAt = isoString(clock.now());
      assert.deepEqual(await status(), { first: ['verified', recheckedAt], second: ['failed', recheckedAt] });
      await admin(app, 'POST', `${UPLOAD_URL}/nope/verify`, undefined, 404);
    });
  });
}

for (const storageCase of await storageCases()) {
  describe(`verification and sweep of stored files [${storageCase.label}]`, {
    skip: storageCase.skip,
  }, () => {
    it('re-hashes stored files: a file changed in storage or missing fails verification', async (t) => {
      const { app, host, stored, overwrite, remove } = await verificationApp(t, storageCase);
      await upload(app, { platform: 'windows', architecture: 'x64' }, host.file);
      assert.equal(
        (await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200)).status,
        'verified',
      );
      const [entry] = await stored();
      await overwrite(entry as string, randomBytes(host.file.length));
      const after = await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200);
      assert.equal(after.status, 'failed');
      assert.match(after.status_reason, /SHA-256 mismatch/);
      await remove(entry as string);
      const gone = await admin(app, 'POST', `${UPLOAD_URL}/windows-x64/verify`, undefined, 200);
      assert.equal(gone.status, 'failed');
      assert.equal(gone.status_reason, 'the stored file is missing');
    });

    it('the sweep removes files no build refers to once they are an hour old, and nothing else', async (t) => {
      const clock = createManualClock(Date.now());
      const { app, host, stored, plantOrphan, bucket } = await verificationApp(t, storageCase, {}, clock);
      await upload(app, { platform: 'windows', architecture: 'x64' }, host.file);
      const [kept] = await stored();
      const orphan = await plantOrphan();
      const { verifier } = app.gateway.artifacts;
      assert.equal(await verifier.sweepUnreferencedFiles(), 0, 'within the grace period');
      assert.deepEqual((await stored()).sort(), [kept, orphan].sort());
      clock.advance(61 * 60 * 1000);
      assert.equal(await verifier.sweepUnreferencedFiles(), 1);
      assert.deepEqual(await stored(), [kept]);
      if (bucket !== undefined) {
        // Unfinished multipart uploads are looked for too (s3rver answers that it cannot list them).
        assert.ok(bucket.requests().some((r) => r.method === 'GET' && /[?&]uploads(=|&|$)/.test(r.url)));
      }
      const file = await download(app, 'windows-x64');
      assert.deepEqual(file.body, host.file, 'the referenced file is untouched');
    });

    it('the file of a deleted build is swept once it is an hour old', async (t) => {
      const clock = createManualClock(Date.now());
      const { app, host, stored } = await verificationApp(t, storageCase, {}, clock);
      await upload(app, { platform: 'windows', architecture: 'x64' }, host.file);
      const [deleted] = await stored();
      await upload(app, { platform: 'linux', architecture: 'x64' }, host.file);
      await admin(app, 'DELETE', `${UPLOAD_URL}/windows-x64`);
      clock.advance(61 * 60 * 1000);
      assert.equal(await app.gateway.artifacts.verifier.sweepUnreferencedFiles(), 1);
      const left = await stored();
      assert.equal(left.length, 1);
      assert.ok(!left.includes(deleted as string));
      assert.deepEqual((await download(app, 'linux-x64')).body, host.file);
    });
  });
}
