import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateApiKey, hashApiKey, isWellFormedApiKey, KEY_LENGTH, maskApiKey } from './key-format.js';

describe('API key format', () => {
  it('generates lbapi_ + 32 hex + 6 base62 checksum characters', () => {
    const key = generateApiKey();
    assert.equal(key.length, KEY_LENGTH);
    assert.match(key, /^lbapi_[0-9a-f]{32}[0-9A-Za-z]{6}$/);
    assert.ok(isWellFormedApiKey(key));
  });

  it('generates distinct keys', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey()));
    assert.equal(keys.size, 1000);
  });

  it('accepts every generated key (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) =>
        isWellFormedApiKey(generateApiKey(() => Buffer.from(bytes))),
      ),
    );
  });

  it('rejects any single-character change (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 6, max: KEY_LENGTH - 1 }),
        fc.constantFrom(...'0123456789abcdefABCDEFxyzXYZ'),
        (bytes, position, replacement) => {
          const key = generateApiKey(() => Buffer.from(bytes));
          if (key[position] === replacement) return true;
          const tampered = key.slice(0, position) + replacement + key.slice(position + 1);
          return !isWellFormedApiKey(tampered);
        },
      ),
    );
  });

  it('rejects wrong prefix, length or alphabet', () => {
    const key = generateApiKey();
    assert.ok(!isWellFormedApiKey(key.replace('lbapi_', 'lbapx_')));
    assert.ok(!isWellFormedApiKey(key.slice(0, -1)));
    assert.ok(!isWellFormedApiKey(`${key}0`));
    assert.ok(!isWellFormedApiKey(key.toUpperCase()));
    assert.ok(!isWellFormedApiKey(''));
  });

  it('hashes with SHA-256 and masks to the prefix plus 8 characters', () => {
    const key = 'lbapi_a1b2c3d4e5f60718293a4b5c6d7e8f90XXXXXX';
    assert.equal(hashApiKey(key).length, 64);
    assert.equal(maskApiKey(key), 'lbapi_a1b2c3d4…');
  });
});
