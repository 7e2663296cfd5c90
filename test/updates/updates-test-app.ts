import type { TestContext } from 'node:test';
import { buildTestApp, type TestAppOptions } from '../helpers/build-test-app.js';
import { testConfig } from '../helpers/test-config.js';

/**
 * A test gateway without background build verification: the builds of these suites point at hosts
 * that do not exist, verification would mark them failed, and failed builds are never offered.
 */
export function buildUpdatesTestApp(t: Pick<TestContext, 'after'>, options: TestAppOptions = {}) {
  const { artifacts } = testConfig();
  return buildTestApp(t, {
    ...options,
    config: {
      ...options.config,
      artifacts: { ...artifacts, verify: { ...artifacts.verify, automatic: false } },
    },
  });
}
