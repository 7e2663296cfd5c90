/**
 * The interactive API reference in a real browser (Debian's chromium, headless): it renders this
 * gateway's document offline, asks nothing of Scalar's cloud (no request blocked by the page's CSP)
 * and shows none of the buttons that only work with that cloud. Skipped where chromium is not
 * installed, unless REQUIRE_SERVICES=1 (CI installs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/build-test-app.js';
import { REQUIRE_SERVICES } from '../helpers/services.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = fs.existsSync(CHROMIUM);
const skip = available || REQUIRE_SERVICES ? false : `no browser at ${CHROMIUM} (apt-get install chromium)`;

/** The page's DOM once rendered and everything the page logged to its console. */
function renderInChromium(url: string): Promise<{ dom: string; console: string[] }> {
  // Virtual time: the page's timers run as soon as it is idle, so the budget costs no waiting.
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0'];
  args.push('--virtual-time-budget=30000', '--dump-dom', url);
  const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let dom = '';
  let log = '';
  child.stdout.on('data', (chunk) => {
    dom += chunk;
  });
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`chromium exited with ${code}:\n${log}`));
      resolve({ dom, console: log.split('\n').filter((line) => line.includes(':CONSOLE')) });
    });
  });
}

describe('API reference in a browser', { skip }, () => {
  it('renders offline with no blocked request and no cloud-only button', async (t) => {
    const { app } = await buildTestApp(t);
    // localhost: where Scalar turns its agent and developer tools on by default.
    const port = new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port;
    const { dom, console } = await renderInChromium(`http://localhost:${port}/docs`);

    assert.match(dom, /Prometheus metrics/, 'the reference rendered the operations of /openapi.json');
    const violations = console.filter((line) => /Content Security Policy|Refused to/.test(line));
    assert.deepEqual(violations, []);
    for (const label of ['Ask AI', 'Generate SDKs', 'Open API Client', 'Share', 'Deploy']) {
      assert.equal(dom.includes(label), false, `no "${label}" button`);
    }
  });
});
