/** Catalog data for the benchmarks: through the admin API for small sets, by SQL for the large one. */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';

const PLATFORMS = [
  ['windows', 'x64'],
  ['windows', 'arm64'],
  ['macos', 'universal'],
  ['linux', 'x64'],
  ['linux', 'arm64'],
  ['windows', 'x86'],
] as const;

const hex = (text: string, bytes = 32) =>
  createHash('sha512')
    .update(text)
    .digest('hex')
    .slice(0, bytes * 2);

async function call(url: string, adminKey: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

/** The update check every benchmark measures: the seeded `project` has an update for 1.0.0 on windows x64. */
export const updatePath = (project: string) =>
  `/projects/${project}/channels/stable/update?current_version=1.0.0&platform=windows&architecture=x64`;

/** `projects` projects with `versions` published versions, each with a windows-x64 build. */
export async function seedThroughApi(url: string, adminKey: string, projects: number, versions: number) {
  for (let p = 1; p <= projects; p++) {
    const id = `bench-${p}`;
    await call(url, adminKey, 'POST', '/admin/projects', { id, name: `Bench ${p}` });
    for (let v = 0; v < versions; v++) {
      const version = `1.${v}.0`;
      const base = `/admin/projects/${id}/channels/stable/versions`;
      await call(url, adminKey, 'POST', base, {
        version,
        release_notes: `## ${version}\n- changes`,
        status: 'draft',
      });
      await call(url, adminKey, 'POST', `${base}/${version}/builds`, {
        platform: 'windows',
        architecture: 'x64',
        file_name: `${id}-${version}-win-x64.exe`,
        file_size: 125_829_120,
        download_url: `https://cdn.example.com/${id}/${version}/${id}-${version}-win-x64.exe`,
        checksum: { sha256: hex(`${id}${version}`), md5: hex(`${id}${version}md5`, 16) },
      });
      await call(url, adminKey, 'POST', `${base}/${version}/publish`);
    }
  }
  const key = await call(url, adminKey, 'POST', '/admin/keys', {
    name: 'bench',
    permissions: { canCheckUpdates: true, canReadProjects: true, canReadVersions: true, canUseAI: true },
    rateLimit: 100_000_000,
  });
  return key.key as string;
}

/** Inserts a large catalog straight into a migrated SQLite file (the API would take hours). */
export function seedBySql(file: string, projects: number, versions: number) {
  const db = new BetterSqlite3(file);
  const now = '2026-02-07T12:00:00Z';
  const insertProject = db.prepare(
    'insert into projects (id, name, description, public_feeds, created_at, updated_at) values (?, ?, ?, 0, ?, ?)',
  );
  const insertChannel = db.prepare(
    "insert into channels (project_id, id, name, description, auto_update, includes, position, created_at, updated_at) values (?, 'stable', 'Stable', '', 1, '[]', 0, ?, ?)",
  );
  const insertVersion = db.prepare(
    "insert into versions (project_id, channel_id, version, name, description, release_notes, breaking_changes, rollout_percentage, status, published_at, source, edited_fields, created_at, updated_at) values (?, 'stable', ?, ?, '', ?, 0, 100, 'published', ?, 'manual', '[]', ?, ?)",
  );
  const insertBuild = db.prepare(
    "insert into builds (project_id, channel_id, version, id, platform, architecture, file_name, file_size, download_url, sha256, md5, status, downloads, position, created_at, updated_at) values (?, 'stable', ?, ?, ?, ?, ?, 125829120, ?, ?, ?, 'verified', 0, ?, ?, ?)",
  );
  db.transaction(() => {
    for (let p = 1; p <= projects; p++) {
      const id = `bench-${p}`;
      insertProject.run(id, `Bench ${p}`, '', now, now);
      insertChannel.run(id, now, now);
      for (let v = 0; v < versions; v++) {
        const version = `${Math.floor(v / 50) + 1}.${v % 50}.0`;
        insertVersion.run(id, version, `v${version}`, `## ${version}\n- changes`, now, now, now);
        PLATFORMS.forEach(([platform, architecture], position) => {
          const file = `${id}-${version}-${platform}-${architecture}`;
          insertBuild.run(
            id,
            version,
            `${platform}-${architecture}`,
            platform,
            architecture,
            file,
            `https://cdn.example.com/${file}`,
            hex(file),
            hex(`${file}md5`, 16),
            position,
            now,
            now,
          );
        });
      }
    }
  })();
  db.close();
}
