import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardedLookup, isPublicAddress, refusedLiteralHost } from './artifacts-outbound-guard.js';

describe('isPublicAddress', () => {
  it('refuses private, loopback, link-local, unique-local and mapped forms of them', () => {
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
  });

  it('accepts public addresses', () => {
    for (const address of [
      '1.1.1.1',
      '172.32.0.1',
      '93.184.216.34',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });
});

describe('outbound guard', () => {
  it('refuses literal private hosts unless allowed', () => {
    assert.match(String(refusedLiteralHost(new URL('http://127.0.0.1:8080/x'), false)), /private/);
    assert.match(String(refusedLiteralHost(new URL('http://[::1]/x'), false)), /private/);
    assert.equal(refusedLiteralHost(new URL('http://127.0.0.1/x'), true), undefined);
    assert.equal(refusedLiteralHost(new URL('https://cdn.example.com/x'), false), undefined);
  });

  it('refuses names that resolve to loopback, after resolution', async () => {
    const lookup = guardedLookup(false);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', { all: true }, (err) => resolve(err)),
    );
    assert.match(String(error?.message), /localhost resolves to .*private, loopback/);
    const allowed = await new Promise<unknown>((resolve) =>
      guardedLookup(true)('localhost', {}, (err, address) => resolve(err ?? address)),
    );
    assert.match(String(allowed), /^(127\.0\.0\.1|::1)$/);
  });
});
