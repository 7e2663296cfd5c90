// `npm test`: every *.test.ts under src/ and test/, run by node:test through tsx.
// Pass file paths to run only those: `npm test -- test/system/system.happy.test.ts`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const requested = process.argv.slice(2);

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

// The console's bundle is what the gateway serves at /console and what the browser tests load.
const { buildConsole, consoleBundleStale } = await import('./build-console.mjs');
if (consoleBundleStale()) await buildConsole({ quiet: true });

const files =
  requested.length > 0
    ? requested
    : [...findTests(path.join(root, 'src')), ...findTests(path.join(root, 'test'))];
const concurrency = process.env.TEST_CONCURRENCY ?? '4';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
