import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** systemd unit files are INI-like: [Section] then Key=Value lines (keys may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      sections[section[1]!] = current;
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(pair && current, `unparseable unit line: ${line}`);
    const values = current[pair[1]!] ?? [];
    values.push(pair[2]!);
    current[pair[1]!] = values;
  }
  return sections;
}

/** The README's Node.js table: each line's major, whether it is supported, and the recommended one. */
function readmeNodeLines(readme: string): {
  supported: number[];
  unsupported: number[];
  recommended: number[];
} {
  const start = readme.indexOf('| Node.js | status |');
  assert.ok(start >= 0, 'the README has a Node.js table');
  const rows = readme
    .slice(start)
    .split('\n')
    .slice(2)
    .filter((line, i, lines) => line.startsWith('|') && lines.slice(0, i).every((l) => l.startsWith('|')));
  const lines = rows.map((row) => {
    const cells = /^\| (\d+)(?: LTS)? \| (.+) \|$/.exec(row);
    assert.ok(cells, `unparseable Node.js row: ${row}`);
    return { major: Number(cells[1]), status: cells[2]! };
  });
  const majors = (keep: (status: string) => boolean) =>
    lines.filter((l) => keep(l.status)).map((l) => l.major);
  return {
    supported: majors((status) => status.startsWith('supported')),
    unsupported: majors((status) => status.startsWith('end of life')),
    recommended: majors((status) => status.startsWith('supported, recommended')),
  };
}

interface ComposeService {
  image?: string;
  build?: { dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

describe('deployment files', () => {
  it('docker-compose runs two gateways behind a load balancer with PostgreSQL and Redis', () => {
    const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const services = compose.services;
    const gateways = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile');
    assert.equal(gateways.length, 2);
    for (const [name, gateway] of gateways) {
      assert.match(gateway.environment?.DATABASE_URL ?? '', /^postgres:\/\/.+@postgres:5432\//, name);
      assert.equal(gateway.environment?.REDIS_URL, 'redis://redis:6379', name);
      assert.equal(gateway.environment?.NODE_ENV, 'production', name);
      assert.match(
        gateway.environment?.API_KEY_ADMIN ?? '',
        /\$\{API_KEY_ADMIN:\?/,
        'the admin key must be supplied',
      );
      assert.equal(gateway.depends_on?.postgres?.condition, 'service_healthy');
      assert.equal(gateway.depends_on?.redis?.condition, 'service_healthy');
      assert.ok(gateway.healthcheck?.test.join(' ').includes('/health'));
    }
    assert.match(services.postgres?.image ?? '', /^postgres:/);
    assert.match(services.redis?.image ?? '', /^redis:/);
    const balancer = services['load-balancer'];
    assert.deepEqual(Object.keys(balancer?.depends_on ?? {}).sort(), gateways.map(([name]) => name).sort());
    const nginx = read('deploy/nginx.conf');
    for (const [name] of gateways) assert.match(nginx, new RegExp(`server ${name}:3000`));
    assert.match(nginx, /proxy_buffering off/, 'AI streams are not buffered');
  });

  it('the systemd unit runs the compiled server as an unprivileged user with hardening', () => {
    const unit = parseUnit(read('deploy/lunarbit-api.service'));
    const service = unit.Service!;
    assert.deepEqual(service.User, ['lunarbit']);
    assert.match(service.ExecStart![0]!, /node .*\/dist\/main\.js$/);
    assert.deepEqual(service.KillSignal, ['SIGTERM']);
    assert.deepEqual(service.NoNewPrivileges, ['true']);
    assert.deepEqual(service.ProtectSystem, ['strict']);
    assert.ok(service.EnvironmentFile?.length, 'secrets come from an environment file');
    assert.deepEqual(unit.Install?.WantedBy, ['multi-user.target']);
    assert.ok(fs.existsSync(path.join(root, 'src', 'main.ts')), 'dist/main.js is built from src/main.ts');
  });

  it('the Dockerfile is multi-stage, runs as a non-root user and has a health check', () => {
    const dockerfile = read('deploy/Dockerfile');
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(users, ['lunarbit']);
    assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/health/m);
    assert.match(dockerfile, /^CMD \["node", "dist\/main\.js"\]/m);
    assert.match(dockerfile, /npm ci/);
  });

  it('the Dockerfile, deploy-debian.sh, CI and engines use the Node.js lines the README supports', () => {
    const lines = readmeNodeLines(read('README.md'));
    assert.equal(lines.recommended.length, 1, 'one recommended line');
    const recommended = lines.recommended[0]!;
    const oldest = Math.min(...lines.supported);
    assert.ok(
      lines.unsupported.every((major) => major < oldest),
      'end-of-life lines are the older ones',
    );

    const bases = [...read('deploy/Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    assert.ok(bases.length >= 2);
    for (const base of bases) assert.equal(/^node:(\d+)-/.exec(base)?.[1], String(recommended), base);

    const script = read('deploy/deploy-debian.sh');
    const variable = (name: string) => Number(new RegExp(`^${name}=(\\d+)`, 'm').exec(script)?.[1]);
    assert.equal(variable('NODE_MAJOR'), recommended, 'deploy-debian.sh installs the recommended line');
    assert.equal(variable('MIN_NODE_MAJOR'), oldest, 'deploy-debian.sh refuses lines older than the oldest');
    assert.match(script, /setup_\$\{NODE_MAJOR\}\.x/);

    assert.match(
      read('.ci/run'),
      new RegExp(`fetch-node ${recommended}\\b`),
      'CI tests on the recommended line',
    );
    const engines = JSON.parse(read('package.json')).engines.node as string;
    assert.equal(/^>=(\d+)\./.exec(engines)?.[1], String(oldest), engines);
  });

  it('deploy-debian.sh is valid bash', () => {
    const result = spawnSync('bash', ['-n', path.join(root, 'deploy', 'deploy-debian.sh')]);
    assert.equal(result.status, 0, String(result.stderr));
    assert.ok(fs.statSync(path.join(root, 'deploy', 'deploy-debian.sh')).mode & 0o100, 'executable');
  });
});
