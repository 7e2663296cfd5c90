import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../../src/infra/clock.js';
import { buildTestApp } from '../helpers/build-test-app.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

async function signIn(app: App, key: string) {
  const response = await app.inject({ method: 'POST', url: '/console/session', payload: { key } });
  assert.equal(response.statusCode, 201, response.body);
  const setCookie = String(response.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
  return { cookie, setCookie, csrf: response.json().csrf_token as string, body: response.json() };
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`console sessions [${backend}]`, { skip }, () => {
    it('exchanges a key once for an HttpOnly SameSite=Strict cookie that the API takes in its place', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const { cookie, setCookie, csrf, body } = await signIn(app, TEST_ADMIN_KEY);
      assert.match(
        setCookie,
        /^lunarbit_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/,
      );
      assert.equal(setCookie.includes(TEST_ADMIN_KEY), false);
      assert.equal(body.caller.is_admin, true);

      const session = await app.inject({ method: 'GET', url: '/console/session', headers: { cookie } });
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().csrf_token, csrf);
      const keys = await app.inject({ method: 'GET', url: '/admin/keys', headers: { cookie } });
      assert.equal(keys.statusCode, 200);
      const viaPrefix = await app.inject({ method: 'GET', url: '/api/v2/admin/keys', headers: { cookie } });
      assert.equal(viaPrefix.statusCode, 200);
    });

    it('marks the cookie Secure when the gateway is reached over HTTPS', async (t) => {
      const { app } = await buildTestApp(t, {
        backend,
        config: { publicUrl: 'https://gateway.example.com' },
      });
      const { setCookie } = await signIn(app, TEST_ADMIN_KEY);
      assert.match(setCookie, /; HttpOnly; Secure; SameSite=Strict$/);
    });

    it('refuses a write of a session without its CSRF token, and takes it with the token', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const { cookie, csrf } = await signIn(app, TEST_ADMIN_KEY);
      const payload = { name: 'made-in-console', permissions: { canReadProjects: true } };
      const forged = await app.inject({ method: 'POST', url: '/admin/keys', headers: { cookie }, payload });
      assert.equal(forged.statusCode, 403);
      assert.equal(forged.json().error.details.reason, 'csrf');
      const wrong = await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: { cookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` },
        payload,
      });
      assert.equal(wrong.statusCode, 403);
      const list = await app.inject({ method: 'GET', url: '/admin/keys', headers: adminAuth });
      assert.equal(list.json().total, 0, 'nothing was written');
      const made = await app.inject({
        method: 'POST',
        url: '/admin/keys',
        headers: { cookie, 'x-csrf-token': csrf },
        payload,
      });
      assert.equal(made.statusCode, 201, made.body);
      const signOut = await app.inject({ method: 'DELETE', url: '/console/session', headers: { cookie } });
      assert.equal(signOut.statusCode, 403, 'signing out is a write too');
    });

    it('ends on sign-out, at once when the key is revoked, and after 12 hours', async (t) => {
      const clock = createManualClock();
      const { app } = await buildTestApp(t, { backend, overrides: { clock } });
      const key = await createKey(app, { name: 'console-user', permissions: { canReadProjects: true } });

      const first = await signIn(app, key);
      const out = await app.inject({
        method: 'DELETE',
        url: '/console/session',
        headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
      });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /^lunarbit_session=; Max-Age=0;/);
      const after = await app.inject({
        method: 'GET',
        url: '/console/session',
        headers: { cookie: first.cookie },
      });
      assert.equal(after.statusCode, 401);

      const second = await signIn(app, key);
      const projects = await app.inject({
        method: 'GET',
        url: '/projects',
        headers: { cookie: second.cookie },
      });
      assert.equal(projects.statusCode, 200);
      const revoked = await app.inject({
        method: 'DELETE',
        url: '/admin/keys/console-user',
        headers: adminAuth,
      });
      assert.equal(revoked.statusCode, 204);
      const ended = await app.inject({ method: 'GET', url: '/projects', headers: { cookie: second.cookie } });
      assert.equal(ended.statusCode, 401);

      const admin = await signIn(app, TEST_ADMIN_KEY);
      clock.advance(12 * 3_600_000 - 1000);
      const late = await app.inject({
        method: 'GET',
        url: '/console/session',
        headers: { cookie: admin.cookie },
      });
      assert.equal(late.statusCode, 200);
      clock.advance(1000);
      const expired = await app.inject({
        method: 'GET',
        url: '/console/session',
        headers: { cookie: admin.cookie },
      });
      assert.equal(expired.statusCode, 401);
    });

    it('ends when the secret it was opened with is rotated out', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const key = await createKey(app, { name: 'rotated', permissions: { canReadProjects: true } });
      const { cookie } = await signIn(app, key);
      const rotated = await app.inject({
        method: 'POST',
        url: '/admin/keys/rotated/rotate',
        headers: adminAuth,
      });
      assert.equal(rotated.statusCode, 200);
      const ended = await app.inject({ method: 'GET', url: '/projects', headers: { cookie } });
      assert.equal(ended.statusCode, 401);
    });

    it('has the key’s rights only: no admin routes, no release writes without canManageProjects', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const key = await createKey(app, { name: 'reader', permissions: { canReadProjects: true } });
      const { cookie, csrf, body } = await signIn(app, key);
      assert.equal(body.caller.is_admin, false);
      assert.equal(body.caller.permissions.canManageProjects, false);
      const keys = await app.inject({ method: 'GET', url: '/admin/keys', headers: { cookie } });
      assert.equal(keys.statusCode, 403);
      const write = await app.inject({
        method: 'POST',
        url: '/admin/projects',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { id: 'nope', name: 'Nope' },
      });
      assert.equal(write.statusCode, 403);
      assert.equal(write.json().error.details.permission, 'canManageProjects');
    });

    it('counts every sign-in attempt against the unauthenticated budget', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      const limit = app.gateway.config.rateLimits.unauthenticated.max;
      for (let i = 0; i < limit - 1; i++) {
        const wrong = await app.inject({
          method: 'POST',
          url: '/console/session',
          payload: { key: `lbapi_wrong${i}` },
        });
        assert.equal(wrong.statusCode, 401);
      }
      await signIn(app, TEST_ADMIN_KEY);
      const refused = await app.inject({
        method: 'POST',
        url: '/console/session',
        payload: { key: TEST_ADMIN_KEY },
      });
      assert.equal(refused.statusCode, 429);
    });

    it('ignores a forged or unknown cookie: 401, counted like a wrong key', async (t) => {
      const { app } = await buildTestApp(t, { backend });
      for (const cookie of ['lunarbit_session=abc', `lunarbit_session=${'A'.repeat(43)}`]) {
        const response = await app.inject({ method: 'GET', url: '/projects', headers: { cookie } });
        assert.equal(response.statusCode, 401);
        assert.equal(
          response.headers['x-ratelimit-limit'],
          String(app.gateway.config.rateLimits.unauthenticated.max),
        );
      }
      const withKey = await app.inject({
        method: 'GET',
        url: '/projects',
        headers: { ...bearer(TEST_ADMIN_KEY), cookie: 'lunarbit_session=abc' },
      });
      assert.equal(withKey.statusCode, 200, 'a key in the header wins over a cookie');
    });
  });
}
