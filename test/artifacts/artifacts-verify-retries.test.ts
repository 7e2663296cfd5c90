/**
 * Build verification against hosts that cannot be reached: the build stays `pending` (and offered),
 * the admin view names what happened and when it is retried, and the schedule retries with backoff.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoString } from '../../src/infra/clock.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { closedOrigin, verificationApp } from './verify-fixtures.js';

const MINUTE = 60_000;

/** A view's `status_reason` split into what happened and the retry time it names. */
function splitReason(view: { status_reason: string }) {
  const [what, retryAt] = view.status_reason.split('; retrying at ');
  return { what, retryAt };
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`build verification of unreachable hosts [${backend}]`, { skip }, () => {
    it('DNS failure, refused connection, timeout and 503 keep a build pending, retried with backoff', async (t) => {
      const { app, addExternal, verifyNow, clock, host } = await verificationApp(t, backend, {
        automatic: true,
        timeoutMs: 200,
      });
      const refused = await closedOrigin();
      const cases = {
        dns: [
          'http://cdn.example.invalid/trackly.AppImage',
          /^unreachable: getaddrinfo (ENOTFOUND|EAI_AGAIN) cdn\.example\.invalid$/,
        ],
        refused: [`${refused}/trackly.AppImage`, /^unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/],
        timeout: ['/silent.bin', /^unreachable: timed out waiting for the answer \(after 200 ms\)$/],
        busy: ['/flaky.bin', /^download URL answered HTTP 503$/],
      } as const;
      for (const [id, [url]] of Object.entries(cases)) await addExternal(id, url);
      const { verifier } = app.gateway.artifacts;
      await verifier.idle(); // the check queued when each build was added: attempt 1

      for (const [id, [, reason]] of Object.entries(cases)) {
        const view = await verifyNow(id);
        assert.equal(view.status, 'pending', `${id}: ${view.status_reason}`);
        assert.equal(view.verified_at, null);
        assert.equal(view.verification_attempts, 2);
        assert.equal(
          view.next_retry_at,
          isoString(clock.now() + 2 * MINUTE),
          `${id}: second retry after 2 min`,
        );
        const { what, retryAt } = splitReason(view);
        assert.match(what as string, reason, id);
        assert.equal(retryAt, view.next_retry_at);
      }

      const attempts = async () =>
        Object.fromEntries(
          (
            await app.gateway.database.db
              .selectFrom('builds')
              .select(['id', 'status', 'verification_attempts'])
              .execute()
          ).map((row) => [row.id, `${row.status}/${Number(row.verification_attempts)}`]),
        );
      // Not due yet: the pass leaves them alone.
      clock.advance(MINUTE);
      await verifier.scheduledPass();
      await verifier.idle();
      assert.deepEqual(await attempts(), {
        dns: 'pending/2',
        refused: 'pending/2',
        timeout: 'pending/2',
        busy: 'pending/2',
      });

      // Due, and the host answers again: verified; the others back off to 4 minutes.
      host.flaky.status = 200;
      clock.advance(MINUTE);
      await verifier.scheduledPass();
      await verifier.idle();
      assert.deepEqual(await attempts(), {
        dns: 'pending/3',
        refused: 'pending/3',
        timeout: 'pending/3',
        busy: 'verified/0',
      });
      const rows = await app.gateway.database.db
        .selectFrom('builds')
        .select(['id', 'next_retry_at', 'verified_at'])
        .orderBy('id')
        .execute();
      const verifiedAt = isoString(clock.now());
      assert.deepEqual(
        rows.map((row) => [row.id, row.next_retry_at, row.verified_at]),
        [
          ['busy', null, verifiedAt],
          ['dns', isoString(clock.now() + 4 * MINUTE), null],
          ['refused', isoString(clock.now() + 4 * MINUTE), null],
          ['timeout', isoString(clock.now() + 4 * MINUTE), null],
        ],
      );

      // A verified build whose host fails again is not demoted; the admin sees what happened.
      host.flaky.status = 500;
      clock.advance(MINUTE);
      const flaky = await verifyNow('busy');
      assert.equal(flaky.status, 'verified');
      assert.equal(flaky.verified_at, verifiedAt);
      assert.equal(flaky.verification_attempts, 1);
      assert.equal(flaky.next_retry_at, isoString(clock.now() + MINUTE));
      assert.equal(flaky.status_reason, `download URL answered HTTP 500; retrying at ${flaky.next_retry_at}`);
    });

    it('other error statuses say nothing about the file: pending, in both modes; no retry is promised without VERIFY_BUILDS', async (t) => {
      for (const mode of ['size', 'full'] as const) {
        const { external } = await verificationApp(t, backend, { mode });
        for (const status of [401, 403, 429, 500, 502, 503]) {
          const view = await external(`s${status}`, `/status/${status}`);
          assert.equal(view.status, 'pending', `${mode} ${status}`);
          assert.equal(view.status_reason, `download URL answered HTTP ${status}`);
          assert.equal(view.verification_attempts, 1);
          assert.equal(view.next_retry_at, null, 'nothing would run the retry');
        }
      }
    });

    it('the SSRF guard refusing an address keeps the build pending with the reason', async (t) => {
      const { external, host, clock } = await verificationApp(t, backend, {
        allowPrivate: false,
        automatic: true,
      });
      const literal = await external('literal', '/ok.bin');
      assert.equal(literal.status, 'pending');
      assert.equal(
        literal.status_reason,
        `refused: 127.0.0.1 is a private, loopback or link-local address; retrying at ${literal.next_retry_at}`,
      );
      const named = await external('named', `${host.origin.replace('127.0.0.1', 'localhost')}/ok.bin`);
      assert.equal(named.status, 'pending');
      assert.match(named.status_reason, /^refused: localhost resolves to (127\.0\.0\.1|::1), a private/);
      assert.ok(Date.parse(named.next_retry_at) > clock.now());
    });

    it('an update check offers a build whose host is unreachable, not one that failed', async (t) => {
      const { app, external } = await verificationApp(t, backend);
      const cdn = await external('linux-x64', 'http://cdn.example.invalid/trackly.AppImage');
      assert.equal(cdn.status, 'pending');
      const gone = await external('windows-x64', '/gone.bin', { platform: 'windows' });
      assert.equal(gone.status, 'failed');
      const key = await createKey(app, { name: 'client', permissions: { canCheckUpdates: true } });
      const check = (platform: string) =>
        app.inject({
          url: `/projects/trackly/channels/stable/update?current_version=0.9.0&platform=${platform}&architecture=x64`,
          headers: bearer(key),
        });
      const linux = await check('linux');
      assert.equal(linux.statusCode, 200, linux.body);
      assert.equal(linux.json().update_available, true);
      assert.equal(linux.json().latest_version, '1.0.0');
      const windows = await check('windows');
      assert.equal(windows.statusCode, 200, windows.body);
      assert.equal(windows.json().update_available, false, 'a failed build is never offered');
      assert.equal(windows.json().latest_version, null);
      assert.equal(windows.json().message, 'No release of this channel has a build for windows/x64');

      const asAdmin = await app.inject({
        url: '/projects/trackly/channels/stable/update?current_version=0.9.0&platform=windows&architecture=x64',
        headers: adminAuth,
      });
      assert.equal(asAdmin.json().update_available, false);
      assert.equal(
        asAdmin.json().message,
        `No release of this channel has a build for windows/x64; 1.0.0 is not offered: its build 'windows-x64' failed verification (${gone.status_reason})`,
        'the admin key is told why',
      );
    });
  });
}
