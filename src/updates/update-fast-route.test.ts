import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARCHITECTURES, PLATFORMS } from '../catalog/catalog-targets.js';
import { MAX_CLIENT_ID_LENGTH } from './rollout-bucket.js';
import { plainUpdateQuery } from './update-fast-route.js';

const NAMES = ['current_version', 'platform', 'architecture', 'client_id'] as const;
const value = fc.oneof(
  fc.constantFrom(...PLATFORMS, ...ARCHITECTURES, '1.0.0', 'device-7', ''),
  fc.string({ maxLength: 6 }),
);
const name = fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom('__proto__', 'toString', 'x', ''));
const pair = fc.oneof(
  fc.tuple(name, value).map(([n, v]) => `${n}=${v}`),
  name, // a name without "="
);
const query = fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));

/** What the route's schema accepts, read the ordinary way. */
function acceptedByRoute(text: string): Record<string, string> | undefined {
  if (text === '' || text.includes('%') || text.includes('+')) return undefined;
  const pairs = text.split('&');
  const fields: Record<string, string> = {};
  for (const item of pairs) {
    const equals = item.indexOf('=');
    if (equals <= 0) return undefined;
    const key = item.slice(0, equals);
    if (!(NAMES as readonly string[]).includes(key) || Object.hasOwn(fields, key)) return undefined;
    fields[key] = item.slice(equals + 1);
  }
  const { current_version, platform, architecture, client_id } = fields;
  if (!current_version || current_version.length > 128) return undefined;
  if (!(PLATFORMS as readonly string[]).includes(platform ?? '')) return undefined;
  if (!(ARCHITECTURES as readonly string[]).includes(architecture ?? '')) return undefined;
  if (client_id === '' || (client_id?.length ?? 0) > MAX_CLIENT_ID_LENGTH) return undefined;
  return fields;
}

describe('plainUpdateQuery', () => {
  it('reads a plain query as the route would, and nothing else', () => {
    fc.assert(
      fc.property(query, (text) => {
        const expected = acceptedByRoute(text);
        const parsed = plainUpdateQuery(text);
        assert.deepEqual(parsed === undefined ? undefined : { ...parsed }, expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the usual check and refuses repeats, unknown names and encodings', () => {
    const usual = 'current_version=1.0.0&platform=windows&architecture=x64';
    assert.deepEqual(
      { ...plainUpdateQuery(usual) },
      { current_version: '1.0.0', platform: 'windows', architecture: 'x64' },
    );
    assert.equal(plainUpdateQuery(`${usual}&platform=linux`), undefined);
    assert.equal(plainUpdateQuery(`${usual}&sort=asc`), undefined);
    assert.equal(plainUpdateQuery(`${usual}&`), undefined);
    assert.equal(plainUpdateQuery(usual.replace('1.0.0', '1.0.0%2B1')), undefined);
  });
});
