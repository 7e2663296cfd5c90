import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedDeploymentWarnings } from './shared-deployment.js';

const shared = {
  database: { kind: 'postgres' as const, url: 'postgres://db/lunarbit', poolSize: 10 },
  redisUrl: 'redis://cache:6379',
  dataDir: '/var/lib/lunarbit',
};

describe('warnings for several instances', () => {
  it('names each unset setting that several instances must share', () => {
    const warnings = sharedDeploymentWarnings(shared, { adminKey: 'generated', signingSecret: 'stored' });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /API_KEY_ADMIN is not set.*\/var\/lib\/lunarbit/);
    assert.match(warnings[1]!, /DOWNLOAD_SIGNING_SECRET is not set.*DATA_DIR\/artifacts/);
  });

  it('says nothing when both are configured, or for one instance on SQLite or without Redis', () => {
    const configured = { adminKey: 'configured', signingSecret: 'configured' } as const;
    const generated = { adminKey: 'generated', signingSecret: 'generated' } as const;
    assert.deepEqual(sharedDeploymentWarnings(shared, configured), []);
    assert.deepEqual(
      sharedDeploymentWarnings(
        { ...shared, database: { kind: 'sqlite', file: '/x/lunarbit.db' } },
        generated,
      ),
      [],
    );
    assert.deepEqual(sharedDeploymentWarnings({ ...shared, redisUrl: undefined }, generated), []);
  });
});
