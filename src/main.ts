import { resolveAdminKey } from './admin-key-bootstrap.js';
import { buildApp } from './app.js';
import { loadConfig } from './app-config.js';
import { ConfigError } from './config.js';
import { STREAM_END_GRACE_MS } from './http/drain.js';
import { startIdleHeapTrim } from './infra/idle-heap-trim.js';
import { sharedDeploymentWarnings } from './shared-deployment.js';

/** Closing after the drain: final counter flushes, the database and Redis. */
const CLOSE_ALLOWANCE_MS = 10_000;

function startupBanner(url: string, adminKey: ReturnType<typeof resolveAdminKey>): string {
  const lines = [`LunarBit API Gateway listening on ${url}`, `  API reference: ${url}/docs`];
  if (adminKey.source === 'generated') {
    lines.push(
      '',
      `  A development admin key was generated (shown once; stored in ${adminKey.file} with mode 0600):`,
      `    ${adminKey.key}`,
      `  Try: curl -H "Authorization: Bearer $(cat ${adminKey.file})" ${url}/admin/keys`,
    );
  } else if (adminKey.source === 'stored') {
    lines.push(`  Admin key: the development key stored in ${adminKey.file}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const adminKey = resolveAdminKey(config);
  config = { ...config, apiKeyAdmin: adminKey.key };

  const app = await buildApp(config);
  const sources = { adminKey: adminKey.source, signingSecret: app.gateway.artifacts.signingSecretSource };
  for (const warning of sharedDeploymentWarnings(config, sources)) app.log.warn(warning);
  // Signal handlers first: a SIGTERM that arrives while starting still shuts down cleanly.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining');
    // A backstop only: the drain ends by itself at its deadline and closing is bounded after it.
    const backstop = setTimeout(
      () => {
        app.log.error('shutdown did not complete; exiting');
        process.exit(1);
      },
      config.shutdownTimeoutMs + STREAM_END_GRACE_MS + CLOSE_ALLOWANCE_MS,
    );
    backstop.unref();
    try {
      const outcome = await app.gateway.drain.run(config.shutdownTimeoutMs);
      if (outcome === 'deadline') {
        app.log.warn(
          { timeoutMs: config.shutdownTimeoutMs },
          'drain deadline reached: running requests ended',
        );
      }
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = config.publicUrl ?? address.replace(/\/\/[^:/]+/, `//${shownHost}`);
  process.stdout.write(`${startupBanner(url, adminKey)}\n`);
  startIdleHeapTrim(config.heapTrimIntervalMs);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
