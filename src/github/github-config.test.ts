import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../app-config.js';
import { ConfigError } from '../config.js';

const base = { NODE_ENV: 'test', API_KEY_ADMIN: 'a'.repeat(40) };

describe('GitHub sync configuration', () => {
  it('defaults to a 15-minute schedule, no webhook secret and the beta channel for prereleases', () => {
    const { github } = loadConfig(base);
    assert.deepEqual(
      [github.syncIntervalMs, github.webhookSecret, github.prereleaseChannel],
      [900_000, undefined, 'beta'],
    );
  });

  it('reads durations, off, the secret and the channel', () => {
    const read = (env: Record<string, string>) => loadConfig({ ...base, ...env }).github;
    assert.equal(read({ GITHUB_SYNC_INTERVAL: '30s' }).syncIntervalMs, 30_000);
    assert.equal(read({ GITHUB_SYNC_INTERVAL: '6h' }).syncIntervalMs, 6 * 3_600_000);
    assert.equal(read({ GITHUB_SYNC_INTERVAL: '120000' }).syncIntervalMs, 120_000);
    assert.equal(read({ GITHUB_SYNC_INTERVAL: 'off' }).syncIntervalMs, 0);
    assert.equal(read({ GITHUB_WEBHOOK_SECRET: 'shh' }).webhookSecret, 'shh');
    assert.equal(read({ GITHUB_PRERELEASE_CHANNEL: 'preview' }).prereleaseChannel, 'preview');
  });

  it('reports invalid values together', () => {
    assert.throws(
      () => loadConfig({ ...base, GITHUB_SYNC_INTERVAL: '5s', GITHUB_PRERELEASE_CHANNEL: 'Not A Slug' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((problem) => problem.startsWith('GITHUB_SYNC_INTERVAL')) &&
        error.problems.some((problem) => problem.startsWith('GITHUB_PRERELEASE_CHANNEL')),
    );
  });
});
