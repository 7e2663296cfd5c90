import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigReader, type Env } from '../../config.js';
import { readAiConfig } from '../ai-config.js';
import { ENVIRONMENT_KINDS, PROVIDER_KINDS, PROVIDER_TYPES, providerKind } from './registry.js';

const README = path.resolve(import.meta.dirname, '..', '..', '..', 'README.md');

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
  return names;
}

/** The names of the variables `read` looks at, whatever they hold. */
function variablesRead(read: (reader: ConfigReader) => unknown, env: Env = {}): Set<string> {
  const names = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  read(new ConfigReader(recording));
  return names;
}

describe('provider registry', () => {
  it('knows each kind once, by its type', () => {
    assert.equal(new Set(PROVIDER_TYPES).size, PROVIDER_KINDS.length);
    for (const type of PROVIDER_TYPES) assert.equal(providerKind(type)?.type, type);
    assert.equal(providerKind('gpt'), undefined);
  });

  it('orders the environment-configured kinds by their default priority, each rank once', () => {
    const ranks = ENVIRONMENT_KINDS.map(({ environment }) => environment.rank);
    assert.deepEqual(
      ranks,
      [...new Set(ranks)].sort((a, b) => a - b),
    );
  });

  it('declares exactly the variables each kind reads', () => {
    for (const { type, environment } of ENVIRONMENT_KINDS) {
      assert.deepEqual(
        [...variablesRead((reader) => environment.read(reader))].sort(),
        [...environment.variables].sort(),
        `the variables of ${type}`,
      );
    }
  });

  it("documents every kind's variables and every AI variable in README's configuration table", () => {
    const documented = documentedVariables();
    assert.ok(documented.has('PORT') && documented.has('AI_PROVIDERS_FILE'), 'the table is found');
    const declared = ENVIRONMENT_KINDS.flatMap(({ environment }) => environment.variables);
    assert.ok(declared.length > 0);
    const read = [...variablesRead(readAiConfig)];
    assert.ok(
      declared.every((name) => read.includes(name)),
      'the AI section reads every kind',
    );
    const undocumented = [...new Set([...declared, ...read])].filter((name) => !documented.has(name));
    assert.deepEqual(undocumented, [], 'variables missing from the README configuration table');
  });
});
