/**
 * The fast lane must be invisible: the same requests, sent over real sockets to one gateway with the
 * lane and one without, get the same status, body and headers (only the date and generated request
 * ids may differ), and the lane must actually have answered the warm checks.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createManualClock } from '../../src/infra/clock.js';
import { addBuild, admin, createProject, publishedVersion } from '../catalog/catalog-fixtures.js';
import { bearer, createKey } from '../helpers/keys.js';
import { TEST_ADMIN_KEY, testConfig } from '../helpers/test-config.js';
import { buildUpdatesTestApp } from './updates-test-app.js';

const VARYING = new Set(['date', 'x-request-id']);
const check = (query: string, project = 'trackly') => `/projects/${project}/channels/stable/update?${query}`;
const WINDOWS = 'current_version=1.0.0&platform=windows&architecture=x64';

interface Probe {
  name: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  key?: 'reader' | 'limited' | 'none' | 'admin' | 'wrong';
  /** The lane answers it (a warm check with a cached key and budget left); the router otherwise. */
  lane?: true;
}

const PROBES: Probe[] = [
  { name: 'warm-up (fills the memo)', url: check(WINDOWS) },
  { name: 'warm check', lane: true, url: check(WINDOWS) },
  { name: 'under /api/v2', lane: true, url: `/api/v2${check(WINDOWS)}` },
  { name: 'trailing slash', lane: true, url: check(WINDOWS).replace('update?', 'update/?') },
  { name: 'v prefix', url: check(WINDOWS.replace('1.0.0', 'v1.0.0')) },
  { name: 'client id in the query', lane: true, url: check(`${WINDOWS}&client_id=install-7`) },
  { name: 'client id header', lane: true, url: check(WINDOWS), headers: { 'x-client-id': 'install-7' } },
  { name: 'client id too long', url: check(WINDOWS), headers: { 'x-client-id': 'x'.repeat(201) } },
  { name: 'macOS universal', url: check('current_version=1.0.0&platform=macos&architecture=arm64') },
  { name: 'no build for target', url: check('current_version=1.0.0&platform=linux&architecture=x86') },
  {
    name: 'caller request id kept',
    lane: true,
    url: check(WINDOWS),
    headers: { 'x-request-id': 'trace-0001-abcd' },
  },
  { name: 'invalid version', url: check('current_version=one.two&platform=windows&architecture=x64') },
  { name: 'unknown platform', url: check('current_version=1.0.0&platform=amiga&architecture=x64') },
  { name: 'unknown field', url: check(`${WINDOWS}&beta=1`) },
  { name: 'repeated field', url: check(`${WINDOWS}&platform=linux`) },
  { name: 'percent-encoded', url: check('current_version=1%2E0%2E0&platform=windows&architecture=x64') },
  { name: 'unknown project', url: check(WINDOWS, 'nope') },
  { name: 'hidden project', url: check(WINDOWS, 'vault') },
  { name: 'unknown channel', url: check(WINDOWS).replace('stable', 'nightly') },
  { name: 'CORS request', url: check(WINDOWS), headers: { origin: 'https://app.example.com' } },
  { name: 'HEAD', url: check(WINDOWS), method: 'HEAD' },
  { name: 'no key', url: check(WINDOWS), key: 'none' },
  { name: 'admin key', url: check(WINDOWS), key: 'admin' },
  // The first use of a key is verified by the router (then cached); the third exceeds the budget:
  // the lane answers the refusal itself, with the router's envelope, headers and log line.
  ...Array.from({ length: 4 }, (_, i) => ({
    name: `limited key, request ${i + 1} of a budget of 2`,
    url: check(WINDOWS),
    key: 'limited' as const,
    ...(i === 2 ? { headers: { 'x-request-id': 'trace-0002-limited' } } : {}),
    ...(i >= 1 ? { lane: true as const } : {}),
  })),
  // Its rate-limit headers show the IP budget: each request above counted against it once.
  { name: 'the IP counted each request once', lane: true, url: check(WINDOWS) },
  // With 'no key' above, these spend the IP's unauthenticated budget of 3: then even the right key is
  // refused before any key check, by the same admission on either path.
  { name: 'wrong key, 2 of a budget of 3', url: check(WINDOWS), key: 'wrong' },
  { name: 'wrong key, 3 of a budget of 3', url: check(WINDOWS), key: 'wrong' },
  {
    name: 'the right key from a locked-out IP',
    lane: true,
    url: check(WINDOWS),
    headers: { 'x-request-id': 'trace-0003-locked' },
  },
];

async function gateway(t: TestContext, fastLane: boolean) {
  const clock = createManualClock();
  const built = await buildUpdatesTestApp(t, {
    overrides: { clock, fastLane },
    config: {
      corsOrigins: ['https://app.example.com'],
      rateLimits: { ...testConfig().rateLimits, unauthenticated: { max: 3, windowMs: 3_600_000 } },
    },
  });
  const { app } = built;
  await createProject(app, { id: 'trackly', name: 'Trackly' });
  await createProject(app, { id: 'vault', name: 'Vault' });
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
    await publishedVersion(app, 'trackly', 'stable', version);
  }
  await addBuild(app, 'trackly', 'stable', '1.2.0', { platform: 'macos', architecture: 'universal' });
  const keys = {
    reader: await createKey(app, {
      name: 'reader',
      permissions: { canCheckUpdates: true },
      allowedProjects: ['trackly'],
    }),
    limited: await createKey(app, { name: 'limited', permissions: { canCheckUpdates: true }, rateLimit: 2 }),
  };
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { ...built, app, url, keys };
}

async function send(target: Awaited<ReturnType<typeof gateway>>, probe: Probe) {
  const key =
    probe.key === 'none'
      ? {}
      : probe.key === 'admin'
        ? bearer(TEST_ADMIN_KEY)
        : probe.key === 'wrong'
          ? bearer(`lbapi_${'0'.repeat(38)}`)
          : bearer(target.keys[probe.key ?? 'reader']);
  const response = await fetch(`${target.url}${probe.url}`, {
    method: probe.method ?? 'GET',
    headers: { ...key, ...probe.headers },
  });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name)));
  // Error bodies name the request id and the host the caller used (each gateway has its own port).
  const body = (await response.text())
    .replaceAll(target.url, 'http://gateway')
    .replace(/"request_id":"req_[\w-]+"/, '"request_id":"generated"');
  return { status: response.status, body, headers };
}

async function laneAnswers(app: FastifyInstance): Promise<number> {
  const { values } = await app.gateway.metrics.cacheLookups.get();
  return values.find((value) => value.labels.cache === 'fast-lane')?.value ?? 0;
}

describe('updates: the fast lane', () => {
  it('answers exactly as the router does, and answers the warm checks itself', async (t) => {
    const withLane = await gateway(t, true);
    const withoutLane = await gateway(t, false);
    for (const probe of PROBES) {
      const expected = await send(withoutLane, probe);
      const before = await laneAnswers(withLane.app);
      const actual = await send(withLane, probe);
      assert.deepEqual(actual, expected, probe.name);
      const answeredByLane = (await laneAnswers(withLane.app)) - before;
      assert.equal(answeredByLane, probe.lane ? 1 : 0, `${probe.name}: answered by the lane`);
    }
    assert.equal(await laneAnswers(withoutLane.app), 0);

    for (const requestId of ['trace-0001-abcd', 'trace-0002-limited', 'trace-0003-locked']) {
      const [laneLine, routerLine] = [withLane, withoutLane].map((built) =>
        built.logLines().find((line) => line.msg === 'request completed' && line.requestId === requestId),
      );
      assert.ok(laneLine && routerLine, requestId);
      assert.deepEqual({ ...laneLine, time: 0, durationMs: 0 }, { ...routerLine, time: 0, durationMs: 0 });
    }
    // The same counters: requests by route and status, rate-limit refusals by policy, key usage.
    for (const metric of ['httpRequests', 'rateLimitRejections'] as const) {
      const [withValues, withoutValues] = await Promise.all(
        [withLane, withoutLane].map(async (built) => (await built.app.gateway.metrics[metric].get()).values),
      );
      assert.deepEqual(withValues, withoutValues, metric);
    }
    const usageOf = async (built: typeof withLane) => {
      await built.app.gateway.usage.tick();
      // From another address: the probes' own is locked out by now.
      const stats = await built.app.inject({
        url: '/admin/keys/stats',
        remoteAddress: '192.0.2.99',
        headers: bearer(TEST_ADMIN_KEY),
      });
      const { keys } = stats.json() as {
        keys: { name: string; totals: { requests: number; errors: number } }[];
      };
      return keys.map((key) => [key.name, key.totals.requests, key.totals.errors]).sort();
    };
    assert.deepEqual(await usageOf(withLane), await usageOf(withoutLane), 'key usage');
  });

  it('follows catalog writes and key revocation at once', async (t) => {
    const { app, url, keys } = await gateway(t, true);
    const get = async () =>
      (await fetch(`${url}${check(WINDOWS)}`, { headers: bearer(keys.reader) })).json() as Promise<{
        latest_version: string;
      }>;
    assert.equal((await get()).latest_version, '1.2.0');
    assert.equal((await get()).latest_version, '1.2.0');
    const before = await laneAnswers(app);
    await admin(
      app,
      'POST',
      '/admin/projects/trackly/channels/stable/versions/1.2.0/yank',
      {
        reason: 'broken',
      },
      200,
    );
    assert.equal((await get()).latest_version, '1.1.0');
    assert.equal((await get()).latest_version, '1.1.0');
    assert.ok((await laneAnswers(app)) > before);

    // Revocation reaches the lane at once: the cached verification is dropped.
    await admin(app, 'DELETE', '/admin/keys/reader');
    const revoked = await fetch(`${url}${check(WINDOWS)}`, { headers: bearer(keys.reader) });
    assert.equal(revoked.status, 401);
  });
});
