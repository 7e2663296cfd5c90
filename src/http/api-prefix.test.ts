import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripApiPrefix } from './api-prefix.js';

describe('stripApiPrefix', () => {
  it('maps /api/v2 paths onto the root routes', () => {
    assert.equal(stripApiPrefix('/api/v2/health'), '/health');
    assert.equal(stripApiPrefix('/api/v2'), '/');
    assert.equal(stripApiPrefix('/api/v2?x=1'), '/?x=1');
    assert.equal(stripApiPrefix('/api/v2/projects?page=2'), '/projects?page=2');
  });

  it('leaves other paths alone', () => {
    assert.equal(stripApiPrefix('/health'), '/health');
    assert.equal(stripApiPrefix('/api/v2x/health'), '/api/v2x/health');
    assert.equal(stripApiPrefix('/api/v1/health'), '/api/v1/health');
  });
});
