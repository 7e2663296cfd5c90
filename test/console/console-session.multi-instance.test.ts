import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, createKey } from '../helpers/keys.js';
import { skipUnless } from '../helpers/services.js';

const needsServices = (await skipUnless('postgres')) || (await skipUnless('redis'));

/** Polls until `check` holds, for at most `withinMs` (the event bus delivers to the other instance). */
async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not reached within ${withinMs} ms`);
}

describe('console sessions across two instances sharing PostgreSQL and Redis', {
  skip: needsServices,
}, () => {
  it('a session opened on A works on B and ends there on sign-out and on revocation through A', async (t) => {
    const a = await buildTestApp(t, { backend: 'postgres', redis: true });
    const b = await buildTestApp(t, { backend: 'postgres', redis: true, shareWith: a });
    const key = await createKey(a.app, { name: 'roaming', permissions: { canReadProjects: true } });
    const signIn = async () => {
      const response = await a.app.inject({ method: 'POST', url: '/console/session', payload: { key } });
      assert.equal(response.statusCode, 201);
      return {
        cookie: String(response.headers['set-cookie']).split(';')[0]!,
        csrf: response.json().csrf_token as string,
      };
    };
    const onB = (cookie: string) => b.app.inject({ url: '/projects', headers: { cookie } });

    const first = await signIn();
    assert.equal((await onB(first.cookie)).statusCode, 200, 'B knows (and caches) the session');
    const out = await a.app.inject({
      method: 'DELETE',
      url: '/console/session',
      headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
    });
    assert.equal(out.statusCode, 204);
    await eventually(async () => (await onB(first.cookie)).statusCode === 401, 1_000);

    const second = await signIn();
    assert.equal((await onB(second.cookie)).statusCode, 200);
    const revoked = await a.app.inject({ method: 'DELETE', url: '/admin/keys/roaming', headers: adminAuth });
    assert.equal(revoked.statusCode, 204);
    await eventually(async () => (await onB(second.cookie)).statusCode === 401, 1_000);
  });
});
