import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENVIRONMENT_KINDS, PROVIDER_KINDS, PROVIDER_TYPES, providerKind } from './registry.js';

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
});
