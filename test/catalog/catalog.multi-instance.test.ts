import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { bearer, createKey } from '../helpers/keys.js';
import { skipUnless } from '../helpers/services.js';
import {
  admin,
  createProject,
  createVersion,
  publishVersion,
  READER_PERMISSIONS,
} from './catalog-fixtures.js';

const needsServices = (await skipUnless('postgres')) || (await skipUnless('redis'));

/** Polls until `check` holds, for at most `withinMs`; returns how long it took. */
async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not reached within ${withinMs} ms`);
}

describe('catalog across two instances sharing PostgreSQL and Redis', { skip: needsServices }, () => {
  it('a version published through A is visible on B within 1 second, though B had it cached', async (t) => {
    const a = await buildTestApp(t, { backend: 'postgres', redis: true });
    const b = await buildTestApp(t, { backend: 'postgres', redis: true, shareWith: a });
    await createProject(a.app, { id: 'trackly', name: 'Trackly' });
    await createVersion(a.app, 'trackly', 'stable', { version: '1.0.0', status: 'published' });
    await createVersion(a.app, 'trackly', 'stable', { version: '1.1.0' });
    const key = await createKey(a.app, { name: 'reader', permissions: READER_PERMISSIONS });
    const latestOnB = async () =>
      (await b.app.inject({ url: '/projects/trackly/channels/stable/latest', headers: bearer(key) })).json()
        .id;
    await eventually(async () => (await latestOnB()) === '1.0.0', 1_000);
    // The change log is read on a timer of its own; every other query would come from the request.
    const catalogQueries = () =>
      b.queries.filter((event) => !event.query.sql.includes('"change_log"')).length;
    const queriesBefore = catalogQueries();
    assert.equal(await latestOnB(), '1.0.0');
    assert.equal(catalogQueries(), queriesBefore, 'B answers from its warm snapshot');

    await publishVersion(a.app, 'trackly', 'stable', '1.1.0');
    const tookMs = await eventually(async () => (await latestOnB()) === '1.1.0', 1_000);
    assert.ok(tookMs < 1_000);
  });

  it('downloads counted on both instances add up, and both see the total after the flush', async (t) => {
    const a = await buildTestApp(t, { backend: 'postgres', redis: true });
    const b = await buildTestApp(t, { backend: 'postgres', redis: true, shareWith: a });
    await createProject(a.app, { id: 'trackly', name: 'Trackly' });
    await createVersion(a.app, 'trackly', 'stable', { version: '1.0.0', status: 'published' });
    await admin(a.app, 'POST', '/admin/projects/trackly/channels/stable/versions/1.0.0/builds', {
      platform: 'windows',
      architecture: 'x64',
      file_name: 'trackly.exe',
      file_size: 5,
      download_url: 'https://cdn.example.com/trackly.exe',
      checksum: { sha256: 'e'.repeat(64) },
    });
    const headers = bearer(await createKey(a.app, { name: 'reader', permissions: READER_PERMISSIONS }));
    const url = '/projects/trackly/channels/stable/versions/1.0.0/builds/windows-x64';
    const downloads = (app: typeof a.app, n: number) =>
      Promise.all(Array.from({ length: n }, () => app.inject({ url: `${url}/download`, headers })));
    await eventually(async () => (await b.app.inject({ url, headers })).statusCode === 200, 1_000);
    await downloads(a.app, 7);
    await downloads(b.app, 5);
    await Promise.all([a.app.gateway.catalog.downloads.flush(), b.app.gateway.catalog.downloads.flush()]);
    for (const instance of [a, b]) {
      await eventually(
        async () => (await instance.app.inject({ url, headers })).json().downloads === 12,
        1_000,
      );
    }
  });
});
