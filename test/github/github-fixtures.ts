/** A gateway pointed at a fake GitHub, and helpers to sync and read what the sync wrote. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { CoreConfig } from '../../src/config.js';
import type { SyncReport } from '../../src/github/github-sync-report.js';
import { type Clock, createManualClock } from '../../src/infra/clock.js';
import { createProject } from '../catalog/catalog-fixtures.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import { type FakeGithub, startFakeGithub } from '../helpers/fakes/fake-github.js';
import { adminAuth } from '../helpers/keys.js';
import type { Backend } from '../helpers/services.js';

export const REPOSITORY = 'lunarbit-dev/trackly';
export const WEBHOOK_SECRET = 'whsec-test-0123456789';
export const GITHUB_TOKEN = 'ghp_testtoken0123456789';

export interface GithubSetup extends TestApp {
  github: FakeGithub;
  clock: ReturnType<typeof createManualClock>;
  sync(projectId?: string): Promise<SyncReport>;
  get(url: string): Promise<LightMyRequestResponse>;
}

export async function setupGithub(
  t: Pick<TestContext, 'after'>,
  backend: Backend,
  options: {
    private?: boolean;
    token?: string | null;
    github?: Partial<CoreConfig['github']>;
    clock?: Clock;
  } = {},
): Promise<GithubSetup> {
  const token = options.token === null ? undefined : (options.token ?? GITHUB_TOKEN);
  const github = await startFakeGithub(token === undefined ? {} : { token });
  t.after(() => github.close());
  github.createRepository(REPOSITORY, { private: options.private ?? false });
  const clock = createManualClock(Date.UTC(2026, 1, 7, 12, 0, 0));
  const testApp = await buildTestApp(t, {
    backend,
    config: {
      github: {
        apiUrl: github.url,
        token,
        syncIntervalMs: 0,
        webhookSecret: WEBHOOK_SECRET,
        prereleaseChannel: 'beta',
        ...options.github,
      },
    },
    overrides: { clock },
  });
  await createProject(testApp.app, { id: 'trackly', name: 'Trackly', repository: REPOSITORY });
  return {
    ...testApp,
    github,
    clock,
    async sync(projectId = 'trackly') {
      const response = await testApp.app.inject({
        method: 'POST',
        url: `/admin/projects/${projectId}/sync`,
        headers: adminAuth,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as SyncReport;
    },
    get: async (url: string) => testApp.app.inject({ url, headers: adminAuth }),
  };
}

/** An installer, a mac image and a Linux package, as electron-builder names them. */
export function desktopAssets(version: string) {
  return [
    { name: `Trackly-Setup-${version}.exe`, content: `exe ${version}` },
    { name: `Trackly-${version}-universal.dmg`, content: `dmg ${version}` },
    { name: `trackly_${version}_amd64.deb`, content: `deb ${version}` },
  ];
}

/** Versions of a channel as readers see them (published only), newest first. */
export async function channelVersions(setup: GithubSetup, channel: string): Promise<string[]> {
  const response = await setup.get(`/projects/trackly/channels/${channel}/versions?per_page=100`);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json().versions as { id: string }[]).map((version) => version.id);
}

/** The version as the admin API shows it (every state). */
export async function adminVersion(setup: GithubSetup, channel: string, version: string) {
  const rows = await setup.app.gateway.database.db
    .selectFrom('versions')
    .selectAll()
    .where('project_id', '=', 'trackly')
    .where('channel_id', '=', channel)
    .where('version', '=', version)
    .executeTakeFirst();
  return rows;
}
