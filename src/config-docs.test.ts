import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ENVIRONMENT_KINDS } from './ai/providers/registry.js';
import { loadConfig } from './app-config.js';
import { ConfigReader, type Env } from './config.js';

const README = path.resolve(import.meta.dirname, '..', 'README.md');

/** The variables named in the first column of README's configuration table. */
function documentedVariables(): Set<string> {
  const readme = fs.readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  const names = new Set<string>();
  for (const row of table.split('\n').filter((line) => line.startsWith('| `'))) {
    const firstCell = row.split('|')[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name!);
  }
  assert.ok(names.has('PORT') && names.has('AI_PROVIDERS_FILE'), 'the configuration table is found');
  return names;
}

/** The environment `env`, noting in `names` each variable looked at. */
function recording(env: Env, names: Set<string>): Env {
  return new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
}

describe('configuration documentation', () => {
  it('declares exactly the variables each provider kind reads', () => {
    for (const { type, environment } of ENVIRONMENT_KINDS) {
      const read = new Set<string>();
      environment.read(new ConfigReader(recording({}, read)));
      assert.deepEqual([...read].sort(), [...environment.variables].sort(), `the variables of ${type}`);
    }
  });

  it("documents every provider kind's variables in README's configuration table", () => {
    const documented = documentedVariables();
    const declared = ENVIRONMENT_KINDS.flatMap(({ environment }) => environment.variables);
    assert.ok(declared.length > 0);
    assert.deepEqual(
      declared.filter((name) => !documented.has(name)),
      [],
      'provider variables missing from the table',
    );
  });

  it("documents every variable the configuration reads in README's configuration table", () => {
    const read = new Set<string>();
    // Some variables are read only when others choose their feature (PostgreSQL, an S3 bucket).
    for (const env of [
      {},
      { DATABASE_URL: 'postgres://db/lunarbit', ARTIFACT_STORAGE: 's3', S3_BUCKET: 'builds' },
    ]) {
      loadConfig(recording(env, read));
    }
    for (const { environment } of ENVIRONMENT_KINDS) {
      for (const name of environment.variables) assert.ok(read.has(name), `the configuration reads ${name}`);
    }
    const documented = documentedVariables();
    assert.deepEqual(
      [...read].filter((name) => !documented.has(name)),
      [],
      'variables missing from the table',
    );
  });
});
