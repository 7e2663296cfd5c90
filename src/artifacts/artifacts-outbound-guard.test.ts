import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
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
      '::127.0.0.1',
      '::ffff:0:7f00:1',
      '::ffff:7f00:1',
      '2002:7f00:1::',
      'fec0::1',
      '100::1',
      '64:ff9b::10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2001::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      'fe80::1%eth0',
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
      '64:ff9b::8.8.8.8',
      '2002:808:808::1',
    ]) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });
});

/** IPv6 from its 16 bytes, in several spellings a URL or resolver may use. */
const hex = (bytes: number[]) =>
  Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number)).toString(16),
  );
const spellings = (bytes: number[]) => {
  const groups = hex(bytes);
  const full = groups.join(':');
  const padded = groups.map((group) => group.padStart(4, '0')).join(':');
  const dotted = `${groups.slice(0, 6).join(':')}:${bytes.slice(12).join('.')}`;
  // Node's own canonical form (the longest run of zero groups compressed).
  const compressed = new URL(`http://[${full}]/`).hostname.slice(1, -1);
  return [full, padded.toUpperCase(), dotted, compressed];
};

const byte = fc.integer({ min: 0, max: 255 });
const v4Bytes = fc.array(byte, { minLength: 4, maxLength: 4 });
const privateV4 = fc.oneof(
  fc.tuple(fc.constant(127), byte, byte, byte),
  fc.tuple(fc.constant(10), byte, byte, byte),
  fc.tuple(fc.constant(192), fc.constant(168), byte, byte),
  fc.tuple(fc.constant(169), fc.constant(254), byte, byte),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), byte, byte),
  fc.tuple(fc.constant(0), byte, byte, byte),
);
/** Every way an IPv6 address carries an IPv4 address it is delivered to. */
const embeddings: Record<string, (v4: number[]) => number[]> = {
  'IPv4-mapped ::ffff:0:0/96': (v4) => [...Array(10).fill(0), 0xff, 0xff, ...v4],
  'IPv4-compatible ::/96': (v4) => [...Array(12).fill(0), ...v4],
  'IPv4-translated ::ffff:0:0:0/96': (v4) => [...Array(8).fill(0), 0xff, 0xff, 0, 0, ...v4],
  'NAT64 64:ff9b::/96': (v4) => [0, 0x64, 0xff, 0x9b, ...Array(8).fill(0), ...v4],
  '6to4 2002::/16': (v4) => [0x20, 0x02, ...v4, ...Array(10).fill(0)],
};
/** A random address inside `prefix`/`length`. */
const inPrefix = (prefix: number[], length: number) =>
  fc.array(byte, { minLength: 16, maxLength: 16 }).map((random) =>
    random.map((value, i) => {
      const fixedBits = Math.max(0, Math.min(8, length - 8 * i));
      const mask = (0xff << (8 - fixedBits)) & 0xff;
      return ((prefix[i] ?? 0) & mask) | (value & ~mask & 0xff);
    }),
  );
describe('isPublicAddress on IPv6 (properties)', () => {
  it('decides an address that embeds an IPv4 address by that address, in every spelling', () => {
    for (const [name, embed] of Object.entries(embeddings)) {
      fc.assert(
        fc.property(fc.oneof(v4Bytes, privateV4), (v4) => {
          const expected = isPublicAddress(v4.join('.'));
          for (const spelling of spellings(embed(v4))) {
            assert.equal(isPublicAddress(spelling), expected, `${name}: ${spelling} embeds ${v4.join('.')}`);
          }
        }),
        { numRuns: 300 },
      );
    }
  });

  it('refuses every address that embeds a private IPv4 address', () => {
    fc.assert(
      fc.property(privateV4, fc.constantFrom(...Object.values(embeddings)), (v4, embed) => {
        for (const spelling of spellings(embed(v4))) assert.equal(isPublicAddress(spelling), false, spelling);
      }),
    );
  });

  it('refuses special-purpose ranges whatever the rest of the address', () => {
    const ranges: [string, number[], number][] = [
      ['site-local fec0::/10', [0xfe, 0xc0], 10],
      ['discard-only 100::/64', [0x01, 0x00], 64],
      ['Teredo 2001::/32', [0x20, 0x01], 32],
      ['documentation 2001:db8::/32', [0x20, 0x01, 0x0d, 0xb8], 32],
      ['unique-local fc00::/7', [0xfc], 7],
      ['link-local fe80::/10', [0xfe, 0x80], 10],
      ['multicast ff00::/8', [0xff], 8],
      ['local-use NAT64 64:ff9b:1::/48', [0, 0x64, 0xff, 0x9b, 0, 1], 48],
    ];
    for (const [name, prefix, length] of ranges) {
      fc.assert(
        fc.property(inPrefix(prefix, length), (bytes) => {
          for (const spelling of spellings(bytes))
            assert.equal(isPublicAddress(spelling), false, `${name}: ${spelling}`);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('refuses everything outside global unicast 2000::/3 that embeds no IPv4 address', () => {
    const outside = fc
      .array(byte, { minLength: 16, maxLength: 16 })
      .filter((bytes) => ((bytes[0] as number) & 0xe0) !== 0x20);
    fc.assert(
      fc.property(outside, (bytes) => {
        const embedsV4 = Object.values(embeddings).some((embed) => {
          const v4 = bytes.slice(12);
          return embed(v4).every((value, i) => value === bytes[i]);
        });
        fc.pre(!embedsV4);
        for (const spelling of spellings(bytes)) assert.equal(isPublicAddress(spelling), false, spelling);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts global unicast outside the special ranges', () => {
    fc.assert(
      fc.property(inPrefix([0x24], 6), (bytes) => {
        for (const spelling of spellings(bytes)) assert.equal(isPublicAddress(spelling), true, spelling);
      }),
    );
  });

  it('literal hosts in URLs are refused exactly when the address is not public', () => {
    fc.assert(
      fc.property(
        fc.oneof(v4Bytes, privateV4),
        fc.constantFrom(...Object.values(embeddings)),
        (v4, embed) => {
          const [, , dotted = ''] = spellings(embed(v4));
          const refused = refusedLiteralHost(new URL(`https://[${dotted}]:8443/x.exe`), false) !== undefined;
          assert.equal(refused, !isPublicAddress(v4.join('.')), dotted);
        },
      ),
    );
  });
});

describe('outbound guard', () => {
  it('refuses literal private hosts unless allowed', () => {
    assert.match(String(refusedLiteralHost(new URL('http://127.0.0.1:8080/x'), false)), /private/);
    assert.match(String(refusedLiteralHost(new URL('http://[::1]/x'), false)), /private/);
    for (const host of ['[::127.0.0.1]', '[::ffff:0:7f00:1]', '[2002:7f00:1::]', '[fec0::1]', '[100::1]']) {
      assert.match(String(refusedLiteralHost(new URL(`http://${host}/x`), false)), /private/, host);
    }
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
