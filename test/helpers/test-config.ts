import { type Config, loadConfig } from '../../src/app-config.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';

/** Defaults as a production-like test instance sees them, with the given overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      NODE_ENV: 'test',
      API_KEY_ADMIN: TEST_ADMIN_KEY,
      CORS_ORIGINS: 'https://app.example.com,https://*.lunarbit.dev',
      // Background verification would change build status (and ETags) while tests look at them;
      // the artifacts suites turn it on where they test it.
      VERIFY_BUILDS: 'false',
    }),
    logLevel: 'info',
    ...overrides,
  };
}
