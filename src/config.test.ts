import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './app-config.js';
import { ConfigError } from './config.js';

const strongKey = 'k'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts in development with defaults and no variables at all', () => {
    const config = loadConfig({});
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.database.kind, 'sqlite');
    assert.equal(config.cacheTtlMs, 300_000);
    assert.equal(config.logFormat, 'json');
    assert.equal(config.bodyLimitBytes, 1024 * 1024);
    assert.equal(config.apiKeyAdmin, undefined);
    assert.equal(config.trustProxy, false);
    assert.deepEqual(config.ai.settings.providers, []);
  });

  it('refuses production without API_KEY_ADMIN, naming the variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /API_KEY_ADMIN is required/);
  });

  it('refuses an admin key shorter than 32 characters', () => {
    assert.match(
      problemsOf({ NODE_ENV: 'production', API_KEY_ADMIN: 'short' })[0]!,
      /API_KEY_ADMIN is too short/,
    );
  });

  it('lists every invalid variable in one error', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      PORT: '70000',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://x',
      BODY_LIMIT: 'huge',
      CORS_ORIGINS: 'not an origin',
      TRUST_PROXY: 'maybe?',
      BODY_TIMEOUT_MS: '5',
      AI_PROVIDER_MAX_CONCURRENCY: '0',
      AI_QUEUE_TIMEOUT_MS: 'soon',
    });
    for (const name of [
      'API_KEY_ADMIN',
      'PORT',
      'LOG_LEVEL',
      'DATABASE_URL',
      'REDIS_URL',
      'BODY_LIMIT',
      'CORS_ORIGINS',
      'TRUST_PROXY',
      'BODY_TIMEOUT_MS',
      'AI_PROVIDER_MAX_CONCURRENCY',
      'AI_QUEUE_TIMEOUT_MS',
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `expected a problem for ${name} in ${problems.join('; ')}`,
      );
    }
    assert.equal(problems.length, 11);
  });

  it('rejects a non-numeric PORT', () => {
    assert.match(
      problemsOf({ PORT: 'eighty' })[0]!,
      /^PORT="eighty" is invalid: expected an integer from 0 to 65535/,
    );
  });

  it('reads the reference variables', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      API_KEY_ADMIN: strongKey,
      GITHUB_TOKEN: 'ghp_x',
      LMSTUDIO_ENABLED: 'true',
      LMSTUDIO_BASE_URL: 'http://gpu-box:1234/',
      OPENAI_API_KEY: 'sk-test',
      CACHE_TTL: '60000',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'pretty',
      DATABASE_URL: 'postgres://u@db/lunarbit',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
      CORS_ORIGINS: 'https://app.example.com, https://*.lunarbit.dev',
      BODY_LIMIT: '2mb',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.apiKeyAdmin, strongKey);
    assert.equal(config.github.token, 'ghp_x');
    assert.deepEqual(
      config.ai.settings.providers.map(({ name, baseUrl }) => [name, baseUrl]),
      [
        ['lmstudio', 'http://gpu-box:1234'],
        ['openai', 'https://api.openai.com/v1'],
      ],
      'OpenAI is enabled by default once a key is given',
    );
    assert.equal(config.cacheTtlMs, 60_000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.logFormat, 'pretty');
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://u@db/lunarbit', poolSize: 10 });
    assert.equal(config.redisUrl, 'redis://cache:6379');
    assert.deepEqual(config.trustProxy, ['10.0.0.0/8', '127.0.0.1']);
    assert.deepEqual(config.corsOrigins, ['https://app.example.com', 'https://*.lunarbit.dev']);
    assert.equal(config.bodyLimitBytes, 2 * 1024 * 1024);
  });

  it('allows no cross-origin callers by default in production, local ones in development', () => {
    assert.deepEqual(loadConfig({ NODE_ENV: 'production', API_KEY_ADMIN: strongKey }).corsOrigins, []);
    assert.ok(loadConfig({}).corsOrigins.includes('http://localhost:*'));
  });

  it('requires a key when OpenAI is explicitly enabled', () => {
    assert.match(problemsOf({ OPENAI_ENABLED: 'true' })[0]!, /OPENAI_ENABLED=true needs OPENAI_API_KEY/);
  });

  it('never echoes the admin key in its messages', () => {
    const error = (() => {
      try {
        loadConfig({ NODE_ENV: 'production', API_KEY_ADMIN: 'secret-but-short' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.ok(error);
    assert.ok(!error.message.includes('secret-but-short'));
  });
});
