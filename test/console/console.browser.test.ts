/**
 * The console in a real browser (Debian's chromium through playwright-core): sign-in, keys, charts
 * from stored usage, releases, permissions, CSRF, an accessibility scan of every page and
 * screenshots at desktop and phone widths (written to test-output/console-screenshots/). Skipped
 * where chromium is not installed, unless REQUIRE_SERVICES=1 (CI installs it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CONSOLE_BUNDLE_DIR } from '../../src/console/console-routes.js';
import { buildAiTestApp, OPENAI_KEY } from '../ai/ai-http-fixtures.js';
import type { buildTestApp } from '../helpers/build-test-app.js';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { adminAuth, bearer, createKey } from '../helpers/keys.js';
import { REQUIRE_SERVICES } from '../helpers/services.js';
import { TEST_ADMIN_KEY } from '../helpers/test-config.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip =
  fs.existsSync(CHROMIUM) || REQUIRE_SERVICES
    ? false
    : `no browser at ${CHROMIUM} (apt-get install chromium)`;
export const SCREENSHOT_DIR = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'test-output',
  'console-screenshots',
);
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** Evaluated in the page (a string: these tests compile without the DOM's types). */
const NEXT_FRAMES = 'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))';
const STORED_STATE =
  '({ cookie: document.cookie, local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) })';

/** A 3 MB build file in a DataTransfer, as a drop from the desktop carries it. */
const DROPPED_FILE = `(() => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(3000000).fill(7)], 'trackly-1.0.0-win-x64.exe'));
  return transfer;
})()`;
/** Records every value the upload's progress bar shows. */
const WATCH_PROGRESS = `(() => {
  window.progressSeen = [];
  new MutationObserver(() => {
    const bar = document.querySelector('progress');
    if (bar) window.progressSeen.push(Number(bar.value));
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
})()`;
/** A release write sent straight to the API from the session, with its CSRF token. */
const FORBIDDEN_WRITE = `(async () => {
  const session = await (await fetch('/console/session')).json();
  const response = await fetch('/admin/projects/trackly/channels/stable/versions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
    body: JSON.stringify({ version: '9.9.9' }),
  });
  return response.status;
})()`;

interface AxeViolation {
  id: string;
  impact?: string | null;
  nodes: { target: unknown[] }[];
}

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

describe('web console in a browser', { skip }, () => {
  let testApp: TestApp;
  let base: string;
  let browser: Browser;
  const problems: string[] = [];
  const cleanups: (() => unknown)[] = [];

  before(async () => {
    const hooks = { after: (fn: () => unknown) => void cleanups.push(fn) };
    const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    cleanups.push(() => openai.close());
    testApp = await buildAiTestApp(hooks, { openai: { apiKey: OPENAI_KEY, baseUrl: `${openai.url}/v1` } });
    const address = await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    // `localhost`, not the address: the forged page below is served from 127.0.0.1, another site.
    base = `http://localhost:${new URL(address).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    for (const cleanup of cleanups) await cleanup();
  });

  /** A browser context whose page reports CSP violations and script errors into `problems`. */
  async function newPage(viewport = VIEWPORTS[0]!): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    return { context, page };
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function scanAndShoot(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
    const violations: AxeViolation[] = results.violations;
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(
      serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `accessibility of ${name}`,
    );
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      // Two frames: the charts' ResizeObserver runs and they redraw at the new width.
      await page.evaluate(NEXT_FRAMES);
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `${name}-${viewport.width}x${viewport.height}.png`),
        fullPage: true,
      });
    }
    await page.setViewportSize(VIEWPORTS[0]!);
  }

  it('serves a first page under 300 KB gzip from the gateway alone', async () => {
    let total = 0;
    for (const file of ['console.js', 'console.css']) {
      total += gzipSync(fs.readFileSync(path.join(CONSOLE_BUNDLE_DIR, file))).length;
    }
    const page = await fetch(`${base}/console`);
    assert.equal(page.status, 200);
    assert.match(
      page.headers.get('content-security-policy') ?? '',
      /default-src 'self'; script-src 'self'; style-src 'self'/,
    );
    total += gzipSync(Buffer.from(await page.text())).length;
    assert.ok(total < 300 * 1024, `console adds ${total} bytes gzip`);
  });

  it('signs in with the admin key into an HttpOnly SameSite=Strict session, never keeping the key', async () => {
    const { context, page } = await newPage();
    await page.goto(`${base}/console`);
    await scanAndShoot(page, 'sign-in');
    await signIn(page, TEST_ADMIN_KEY);
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.name, 'lunarbit_session');
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
    const stored = await page.evaluate(STORED_STATE);
    assert.deepEqual(stored, { cookie: '', local: '{}', session: '{}' });
    await context.close();
  });

  it('creates a key shown once, filters by tag, rotates and revokes it, ending its session', async () => {
    const { context, page } = await newPage();
    await signIn(page, TEST_ADMIN_KEY);
    await page.getByRole('link', { name: 'Keys' }).click();

    const create = async (name: string, tag: string, permissions: string[]) => {
      await page.getByLabel('Name', { exact: true }).fill(name);
      for (const p of permissions) await page.getByLabel(p, { exact: true }).check();
      await page.getByLabel('Tags (comma-separated)').fill(tag);
      await page.getByRole('button', { name: 'Create key' }).click();
      const shown = await page.getByTestId('issued-key').textContent();
      assert.match(shown ?? '', /^lbapi_[0-9a-f]{32}[0-9A-Za-z]{6}$/);
      await page.getByRole('button', { name: 'I saved it' }).click();
      await page.locator(`tr[data-key="${name}"]`).waitFor();
      return shown!;
    };
    const mobileKey = await create('mobile-app', 'mobile', ['canReadProjects']);
    await create('ci-server', 'server', ['canManageProjects']);
    const row = page.locator('tr[data-key="mobile-app"]');
    assert.match((await row.locator('code').textContent()) ?? '', /^lbapi_[0-9a-f]{8}…$/);
    assert.equal((await page.content()).includes(mobileKey), false, 'after creation the key is only masked');

    await page.getByLabel('Tag', { exact: true }).selectOption('mobile');
    assert.deepEqual(
      await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))),
      ['mobile-app'],
    );
    await scanAndShoot(page, 'keys');

    // The key's own console session, in another browser.
    const other = await newPage();
    await signIn(other.page, mobileKey);
    await other.page.getByRole('link', { name: 'Releases' }).waitFor();

    await row.getByRole('button', { name: 'Rotate' }).click();
    await row.getByLabel('Old secret keeps working').selectOption('1h');
    await row.getByRole('button', { name: 'Confirm rotation' }).click();
    const rotated = await page.getByTestId('issued-key').textContent();
    assert.notEqual(rotated, mobileKey);
    await page.getByRole('button', { name: 'I saved it' }).click();
    const during = await other.page.evaluate(async () => (await fetch('/console/session')).status);
    assert.equal(during, 200, 'the old secret works through its grace period, and so does its session');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.locator('tr[data-key="mobile-app"]').waitFor({ state: 'detached' });
    await other.page.getByRole('link', { name: 'Overview' }).click();
    await other.page.reload();
    await other.page.getByLabel('API key').waitFor();
    const ended = await other.page.evaluate(async () => (await fetch('/console/session')).status);
    assert.equal(ended, 401);
    await other.context.close();
    await context.close();
  });

  it('charts the requests a key made, from the stored usage', async () => {
    const key = await createKey(testApp.app, { name: 'charted', permissions: { canReadProjects: true } });
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${base}/projects`, { headers: bearer(key) });
      assert.equal(response.status, 200);
    }
    const id = (await testApp.app.inject({ url: '/admin/keys/charted', headers: adminAuth })).json().id;
    const { context, page } = await newPage();
    await signIn(page, TEST_ADMIN_KEY);
    await scanAndShoot(page, 'overview');
    assert.ok(Number((await page.getByTestId('total-requests').textContent())?.replace(/,/g, '')) > 7);
    await page.goto(`${base}/console#/keys/${id}`);
    await page.getByRole('heading', { name: 'Last 30 days' }).waitFor();
    assert.equal(await page.getByTestId('total-requests').textContent(), '7');
    const chart = page.locator('[data-chart="key-requests"]');
    assert.match((await chart.getAttribute('aria-label')) ?? '', /Requests: total 7/);
    assert.equal(await chart.locator('canvas').count(), 1);
    await scanAndShoot(page, 'key-detail');
    await context.close();
  });

  it('uploads a build with progress, publishes and yanks a version, and previews release notes', async () => {
    const created = await testApp.app.inject({
      method: 'POST',
      url: '/admin/projects',
      headers: adminAuth,
      payload: { id: 'trackly', name: 'Trackly', description: 'Business asset management' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { context, page } = await newPage();
    await signIn(page, TEST_ADMIN_KEY);
    await page.getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('link', { name: 'Trackly' }).waitFor();
    await scanAndShoot(page, 'releases');
    await page.getByRole('link', { name: 'stable' }).first().click();
    await page.getByLabel('New draft version').fill('1.0.0');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.locator('tr[data-version="1.0.0"]').getByText('draft').waitFor();
    await page.getByRole('link', { name: '1.0.0' }).click();
    await page.getByRole('button', { name: 'Publish' }).waitFor();

    // Drop a 3 MB file on the drop zone, as a file manager would.
    const dropped = await page.evaluateHandle(DROPPED_FILE);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByText('trackly-1.0.0-win-x64.exe (3,000,000 bytes)').waitFor();
    await page.evaluate(WATCH_PROGRESS);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Uploaded trackly-1.0.0-win-x64.exe').waitFor();
    const seen = (await page.evaluate('window.progressSeen')) as number[];
    assert.ok(seen.length >= 1 && seen.at(-1) === 1, `progress values ${seen}`);
    const build = page.locator('tr[data-build="windows-x64"]');
    await build.waitFor();
    assert.match((await build.textContent()) ?? '', /3,000,000 B/);
    assert.match((await build.textContent()) ?? '', /pending|verified/);

    await page.getByLabel('Markdown').fill('## Changes\n- Faster start\n- <img src=x onerror=alert(1)>');
    const preview = page.getByTestId('notes-preview');
    assert.equal(await preview.locator('h2').textContent(), 'Changes');
    assert.equal(await preview.locator('img').count(), 0, 'raw HTML is shown as text');
    await page.getByRole('button', { name: 'Save notes' }).click();

    assert.equal(await page.getByLabel('Rollout %').inputValue(), '100');
    await page.getByLabel('Rollout %').fill('50');
    await page.getByRole('button', { name: 'Set rollout' }).click();
    await page.getByText('Rollout: 50 %').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByLabel('Yank reason').waitFor();
    assert.equal(await page.locator('#version-heading .badge').textContent(), 'published');
    await scanAndShoot(page, 'release-version');
    await page.getByLabel('Yank reason').fill('crash on start');
    await page.getByRole('button', { name: 'Yank' }).click();
    await page.getByText('Yanked: crash on start').waitFor();
    const stored = await testApp.app.inject({
      url: '/admin/projects/trackly/channels/stable/versions/1.0.0',
      headers: adminAuth,
    });
    const version = stored.json();
    assert.equal(version.status, 'yanked');
    assert.equal(version.yank_reason, 'crash on start');
    assert.equal(version.rollout_percentage, 50);
    assert.match(version.release_notes, /^## Changes/);
    assert.equal(version.builds[0].file_size, 3_000_000);
    await context.close();
  });

  it('shows a key without canManageProjects no release write controls, and refuses its writes', async () => {
    for (const [url, payload] of [
      ['/admin/projects/trackly/channels/stable/versions', { version: '1.1.0', status: 'published' }],
    ] as const) {
      const response = await testApp.app.inject({ method: 'POST', url, headers: adminAuth, payload });
      assert.equal(response.statusCode, 201, response.body);
    }
    const reader = await createKey(testApp.app, {
      name: 'reader',
      permissions: { canReadProjects: true, canReadVersions: true },
    });
    const { context, page } = await newPage();
    await signIn(page, reader);
    assert.equal(await page.getByRole('link', { name: 'Keys' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.goto(`${base}/console#/releases/trackly/stable`);
    await page.locator('tr[data-version="1.1.0"]').waitFor();
    assert.equal(
      await page.locator('tr[data-version="1.0.0"]').count(),
      0,
      'readers see published versions only',
    );
    assert.equal(await page.getByLabel('New draft version').count(), 0);
    await page.getByRole('link', { name: '1.1.0' }).click();
    await page.getByRole('heading', { name: 'Builds' }).waitFor();
    for (const name of ['Publish', 'Yank', 'Upload', 'Promote', 'Save notes', 'Set rollout']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    }
    await scanAndShoot(page, 'release-reader');
    const status = await page.evaluate(FORBIDDEN_WRITE);
    assert.equal(status, 403);
    await context.close();
  });

  it('lists AI providers and tokens by key, and filters the audit log', async () => {
    const key = await createKey(testApp.app, { name: 'ai-user', permissions: { canUseAI: true } });
    const chat = await fetch(`${base}/ai/chat`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    assert.equal(chat.status, 200, await chat.clone().text());
    const tokens = ((await chat.json()) as { tokens_used: number }).tokens_used;
    assert.ok(tokens > 0);

    const { context, page } = await newPage();
    await signIn(page, TEST_ADMIN_KEY);
    await page.getByRole('link', { name: 'AI' }).click();
    const provider = page.getByRole('row', { name: /openai/ });
    await provider.waitFor();
    assert.match((await provider.textContent()) ?? '', /available/);
    const used = page.getByRole('row', { name: /ai-user/ });
    await used.waitFor();
    assert.match((await used.textContent()) ?? '', new RegExp(`${tokens}$`));
    const model = page.getByRole('row', { name: /gpt-4o-mini/ }).last();
    assert.match((await model.textContent()) ?? '', new RegExp(`^gpt-4o-mini\\d+\\d+${tokens}`));
    await scanAndShoot(page, 'ai');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByText('key.created').first().waitFor();
    await page.getByLabel('Project').selectOption('trackly');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filtered answer replaces the whole list: no key entry is left in it.
    await page
      .locator('tbody td:nth-child(4)')
      .filter({ hasText: /^api_key/ })
      .first()
      .waitFor({ state: 'detached' });
    await page.getByText('version.yanked').waitFor();
    const targets = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    assert.ok(targets.length >= 3);
    for (const target of targets) assert.match(target, /^(project trackly|\w+ trackly\/)/);
    await page.getByLabel('Actor').fill('nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('0 entries').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByText('key.created').first().waitFor();
    await scanAndShoot(page, 'audit');
    await context.close();
  });

  it('refuses a forged cross-site POST', async () => {
    const { context, page } = await newPage();
    await signIn(page, TEST_ADMIN_KEY);
    const before = (await testApp.app.inject({ url: '/admin/keys', headers: adminAuth })).json().total;
    // A page of another site (127.0.0.1 is not localhost's site) posting to the gateway in the
    // background while the console's session cookie is in the browser.
    const evil = http.createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><html><body>
        <form id="f" method="POST" action="${base}/admin/keys" enctype="text/plain">
          <input name='{"name":"forged","permissions":{"canCreateKeys":true},"x":"' value='"}'>
        </form>
        <script>
          fetch('${base}/admin/keys', { method: 'POST', credentials: 'include', mode: 'no-cors',
            headers: { 'content-type': 'application/json' }, body: '{"name":"forged-fetch"}' })
            .finally(() => document.getElementById('f').submit());
        </script></body></html>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilPort = (evil.address() as { port: number }).port;
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${base}/admin/keys`)) answers.push(response.status());
    });
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    await page.waitForURL(`${base}/admin/keys`);
    evil.close();
    const afterwards = (await testApp.app.inject({ url: '/admin/keys', headers: adminAuth })).json().total;
    assert.equal(afterwards, before, 'no key was created');
    assert.ok(
      answers.length >= 1 && answers.every((status) => status === 401 || status === 415),
      String(answers),
    );
    await context.close();
  });

  it('loads every page within its strict CSP', () => {
    assert.deepEqual(problems, []);
  });
});
