// Bundles the web console (console/src, Preact + uPlot) into dist/console-ui/console.{js,css}, which
// the gateway serves at /console. Run by `npm run build`, `npm start` (when stale) and `npm test`.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'console-ui');
const sources = path.join(root, 'console', 'src');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or older than its sources (or the lockfile). */
export function consoleBundleStale() {
  const bundle = path.join(outdir, 'console.js');
  if (!fs.existsSync(bundle)) return true;
  const built = fs.statSync(bundle).mtimeMs;
  return built < Math.max(newestMtime(sources), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
}

export async function buildConsole({ quiet = false } = {}) {
  const esbuild = await import('esbuild');
  fs.mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: { console: path.join(sources, 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir,
    legalComments: 'none',
    logLevel: quiet ? 'warning' : 'info',
  });
  let gzipped = 0;
  for (const file of ['console.js', 'console.css'])
    gzipped += gzipSync(fs.readFileSync(path.join(outdir, file))).length;
  if (!quiet) process.stdout.write(`console bundle: ${(gzipped / 1024).toFixed(1)} KB gzip\n`);
  return gzipped;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const onlyIfStale = process.argv.includes('--if-stale');
  if (!onlyIfStale || consoleBundleStale()) await buildConsole({ quiet: onlyIfStale });
}
