/**
 * Native updater feeds, parsed as their clients parse them and checked against the rules those
 * clients enforce: Tauri and Squirrel.Mac JSON (204 when up to date, RFC 3339 dates), Squirrel.Windows
 * RELEASES lines, electron-updater YAML (sha512 is the 88-character base64 of the file), Sparkle RSS.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createManualClock } from '../../src/infra/clock.js';
import {
  addBuild,
  admin,
  createProject,
  createVersion,
  publishVersion,
} from '../catalog/catalog-fixtures.js';
import { bearer, createKey } from '../helpers/keys.js';
import { databaseBackends } from '../helpers/services.js';
import { buildUpdatesTestApp } from './updates-test-app.js';
import { child, parseXml } from './xml-structure.js';

const digest = (algorithm: string, content: string, encoding: 'hex' | 'base64' = 'hex') =>
  createHash(algorithm).update(content).digest(encoding);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BASE = '/projects/desk/channels/stable';

/** A build whose checksums are those of `content`, as a studio's CI computes them. */
function fileBuild(platform: string, architecture: string, fileName: string, extra: object = {}) {
  const content = `bytes of ${fileName}`;
  return {
    id: `${platform}-${architecture}-${fileName.split('.').pop()!.toLowerCase()}`,
    platform,
    architecture,
    file_name: fileName,
    file_size: content.length,
    download_url: `https://cdn.example.com/desk/${fileName}`,
    checksum: {
      sha256: digest('sha256', content),
      sha512: digest('sha512', content),
      sha1: digest('sha1', content),
    },
    ...extra,
  };
}

async function release(app: Parameters<typeof addBuild>[0], version: string, extra: object = {}) {
  await createVersion(app, 'desk', 'stable', {
    version,
    release_notes: `Notes & fixes <${version}>`,
    ...extra,
  });
  for (const build of [
    fileBuild('windows', 'x64', `desk-${version}-full.nupkg`),
    fileBuild('windows', 'x64', `desk-setup-${version}.exe`, { signature: `sig-win-${version}` }),
    fileBuild('macos', 'universal', `desk-${version}-mac.zip`, {
      signature: `sig-mac-${version}`,
      min_os_version: '12.0',
    }),
    fileBuild('linux', 'x64', `desk-${version}.AppImage`),
  ]) {
    await addBuild(app, 'desk', 'stable', version, build);
  }
  await publishVersion(app, 'desk', 'stable', version);
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`updates: native feeds [${backend}]`, { skip }, () => {
    it('speak each client’s format', async (t) => {
      const clock = createManualClock(Date.parse('2026-02-05T14:30:00Z'));
      const { app } = await buildUpdatesTestApp(t, { backend, overrides: { clock } });
      await createProject(app, {
        id: 'desk',
        name: 'Desk',
        description: 'Notes & <tasks>',
        public_feeds: true,
      });
      await release(app, '1.0.0');
      clock.advance(86_400_000);
      await release(app, '1.1.0', { min_supported_version: '1.0.5' });
      const get = (url: string) => app.inject({ url: `${BASE}${url}` });

      // Tauri v2
      const tauri = await get('/tauri/darwin/aarch64/1.0.0');
      assert.equal(tauri.statusCode, 200, tauri.body);
      assert.deepEqual(Object.keys(tauri.json()).sort(), [
        'notes',
        'pub_date',
        'signature',
        'url',
        'version',
      ]);
      assert.equal(tauri.json().version, '1.1.0');
      assert.equal(tauri.json().url, 'https://cdn.example.com/desk/desk-1.1.0-mac.zip');
      assert.equal(tauri.json().signature, 'sig-mac-1.1.0');
      assert.match(tauri.json().pub_date, RFC3339);
      assert.equal(
        (await get('/tauri/windows/x86_64/1.0.0')).json().url.endsWith('.exe'),
        true,
        'signed build',
      );
      const tauriLatest = await get('/tauri/darwin/x86_64/1.1.0');
      assert.equal(tauriLatest.statusCode, 204);
      assert.equal(tauriLatest.body, '');
      assert.equal(
        (await get('/tauri/linux/x86_64/1.0.0')).statusCode,
        204,
        'unsigned builds are not offered',
      );
      assert.equal((await get('/tauri/darwin/aarch64/nonsense')).statusCode, 400);

      // Electron autoUpdater (Squirrel.Mac JSON)
      const mac = await get('/electron/darwin/arm64/1.0.0');
      assert.equal(mac.statusCode, 200, mac.body);
      assert.deepEqual(mac.json(), {
        url: 'https://cdn.example.com/desk/desk-1.1.0-mac.zip',
        name: 'v1.1.0',
        notes: 'Notes & fixes <1.1.0>',
        pub_date: '2026-02-06T14:30:00Z',
      });
      assert.equal((await get('/electron/darwin/x64/1.1.0')).statusCode, 204);

      // Squirrel.Windows RELEASES
      const releases = await get('/electron/win32/x64/RELEASES?id=desk&localVersion=1.0.0&arch=amd64');
      assert.equal(releases.statusCode, 200, releases.body);
      assert.doesNotMatch(releases.body, /\s$/, 'no trailing bytes');
      const lines = releases.body.split('\n');
      for (const line of lines) assert.match(line, /^[0-9a-fA-F]{40}\s+\S+\s+\d+$/);
      const [sha1, url, size] = lines[0]!.split(' ');
      const nupkg = 'bytes of desk-1.1.0-full.nupkg';
      assert.equal(sha1!.toLowerCase(), digest('sha1', nupkg));
      assert.equal(url, 'https://cdn.example.com/desk/desk-1.1.0-full.nupkg');
      assert.equal(Number(size), nupkg.length);

      // electron-updater
      for (const [file, name] of [
        ['latest.yml', 'desk-setup-1.1.0.exe'],
        ['latest-mac.yml', 'desk-1.1.0-mac.zip'],
        ['latest-linux.yml', 'desk-1.1.0.AppImage'],
      ] as const) {
        const response = await get(`/electron-updater/${file}?noCache=1x2y`);
        assert.equal(response.statusCode, 200, `${file}: ${response.body}`);
        // YAML 1.1 (what js-yaml reads) must see the date as a string too.
        const yml = parseYaml(response.body, { version: '1.1' });
        assert.equal(yml.version, '1.1.0');
        assert.equal(typeof yml.releaseDate, 'string');
        assert.match(yml.releaseDate, RFC3339);
        const bytes = `bytes of ${name}`;
        assert.deepEqual(yml.files, [
          {
            url: `https://cdn.example.com/desk/${name}`,
            sha512: digest('sha512', bytes, 'base64'),
            size: bytes.length,
          },
        ]);
        assert.equal(yml.sha512.length, 88);
        assert.equal(yml.sha512, digest('sha512', bytes, 'base64'));
        assert.equal(yml.path, `https://cdn.example.com/desk/${name}`);
        assert.equal('stagingPercentage' in yml, false);
      }
      assert.equal((await get('/electron-updater/latest-linux-arm64.yml')).statusCode, 404);
      assert.equal((await get('/electron-updater/other.yml')).statusCode, 404);

      // Sparkle
      const sparkle = await get('/sparkle/appcast.xml');
      assert.equal(sparkle.statusCode, 200, sparkle.body);
      const rss = parseXml(sparkle.body);
      assert.equal(rss.name, 'rss');
      assert.equal(rss.attributes['xmlns:sparkle'], 'http://www.andymatuschak.org/xml-namespaces/sparkle');
      const channel = child(rss, 'channel')!;
      assert.equal(child(channel, 'description')!.text, 'Notes & <tasks>');
      const items = channel.children.filter((element) => element.name === 'item');
      assert.deepEqual(
        items.map((item) => child(item, 'sparkle:version')!.text),
        ['1.1.0', '1.0.0'],
      );
      const [newest] = items;
      assert.equal(child(newest!, 'sparkle:shortVersionString')!.text, '1.1.0');
      assert.equal(child(newest!, 'sparkle:criticalUpdate')!.attributes['sparkle:version'], '1.0.5');
      assert.equal(child(newest!, 'sparkle:minimumSystemVersion')!.text, '12.0');
      assert.equal(child(newest!, 'description')!.text, 'Notes & fixes <1.1.0>');
      const pubDate = child(newest!, 'pubDate')!.text;
      assert.match(pubDate, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(new Date(pubDate).toISOString(), '2026-02-06T14:30:00.000Z');
      assert.deepEqual(child(newest!, 'enclosure')!.attributes, {
        url: 'https://cdn.example.com/desk/desk-1.1.0-mac.zip',
        length: String('bytes of desk-1.1.0-mac.zip'.length),
        type: 'application/octet-stream',
        'sparkle:edSignature': 'sig-mac-1.1.0',
      });

      // A staged rollout: electron-updater gets stagingPercentage; the others keep the full release.
      await admin(app, 'PATCH', `/admin/projects/desk/channels/stable/versions/1.1.0`, {
        rollout_percentage: 40,
      });
      const staged = parseYaml((await get('/electron-updater/latest.yml')).body);
      assert.equal(staged.version, '1.1.0');
      assert.equal(staged.stagingPercentage, 40);
      assert.equal(
        (await get('/electron/darwin/arm64/1.0.0')).statusCode,
        204,
        'no client id: full releases only',
      );
      const appcastItems = parseXml((await get('/sparkle/appcast.xml')).body);
      assert.equal(child(child(appcastItems, 'channel')!, 'item') !== undefined, true);
    });

    it('are public only for projects with public_feeds; keys follow the usual rules', async (t) => {
      const { app } = await buildUpdatesTestApp(t, { backend });
      await createProject(app, { id: 'desk', name: 'Desk', public_feeds: true });
      await createProject(app, { id: 'vault', name: 'Vault' });
      const feed = (project: string) => `/projects/${project}/channels/stable/electron-updater/latest.yml`;
      const tauri = (project: string) => `/projects/${project}/channels/stable/tauri/windows/x86_64/1.0.0`;

      assert.equal((await app.inject({ url: tauri('desk') })).statusCode, 204);
      const privateFeed = await app.inject({ url: tauri('vault') });
      const unknown = await app.inject({ url: tauri('nope') });
      assert.equal(privateFeed.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.equal(privateFeed.json().error.message, unknown.json().error.message, 'no existence oracle');

      const checker = await createKey(app, { name: 'checker', permissions: { canCheckUpdates: true } });
      assert.equal((await app.inject({ url: tauri('vault'), headers: bearer(checker) })).statusCode, 204);
      assert.equal((await app.inject({ url: feed('vault'), headers: bearer(checker) })).statusCode, 404);

      const reader = await createKey(app, { name: 'reader', permissions: { canReadProjects: true } });
      assert.equal((await app.inject({ url: tauri('desk'), headers: bearer(reader) })).statusCode, 403);
      const deskOnly = await createKey(app, {
        name: 'desk only',
        permissions: { canCheckUpdates: true },
        allowedProjects: ['desk'],
      });
      const hidden = await app.inject({ url: tauri('vault'), headers: bearer(deskOnly) });
      assert.equal(hidden.statusCode, 404);
      assert.equal(hidden.json().error.code, 'PROJECT_NOT_FOUND');
      assert.equal(
        (await app.inject({ url: tauri('desk'), headers: { authorization: 'Bearer nope' } })).statusCode,
        401,
      );
    });
  });
}
