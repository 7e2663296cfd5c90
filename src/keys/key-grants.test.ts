import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ADMIN_CALLER, type Caller } from './caller.js';
import { grantProblems, type KeyGrant } from './key-grants.js';
import { PERMISSIONS, type PermissionSet } from './permissions.js';

const none = Object.fromEntries(PERMISSIONS.map((p) => [p, false])) as PermissionSet;

function caller(overrides: Partial<Caller> = {}): Caller {
  return {
    id: 'key_1',
    name: 'creator',
    isAdmin: false,
    permissions: { ...none, canCreateKeys: true, canReadProjects: true },
    rateLimit: 500,
    allowedProjects: new Set(['trackly']),
    expiresAt: undefined,
    ...overrides,
  };
}

function grant(overrides: Partial<KeyGrant> = {}): KeyGrant {
  return {
    permissions: { ...none, canReadProjects: true },
    rateLimit: 100,
    allowedProjects: ['trackly'],
    expiresAt: undefined,
    ...overrides,
  };
}

describe('grantProblems', () => {
  it('lets the admin grant anything', () => {
    assert.deepEqual(
      grantProblems(ADMIN_CALLER, grant({ rateLimit: 1e6, allowedProjects: undefined }), 1000),
      [],
    );
  });

  it('allows a subset of the creator own rights', () => {
    assert.deepEqual(grantProblems(caller(), grant(), 1000), []);
  });

  it('refuses permissions, projects, rate limits and lifetimes beyond the creator', () => {
    assert.match(
      grantProblems(caller(), grant({ permissions: { ...none, canUseAI: true } }), 1000)[0]!,
      /canUseAI/,
    );
    assert.match(
      grantProblems(caller(), grant({ allowedProjects: ['csviewer'] }), 1000)[0]!,
      /project csviewer/,
    );
    assert.match(grantProblems(caller(), grant({ allowedProjects: undefined }), 1000)[0]!, /every project/);
    assert.match(grantProblems(caller(), grant({ rateLimit: 501 }), 1000)[0]!, /rate limit/);
    assert.match(
      grantProblems(caller({ expiresAt: 1000 }), grant({ expiresAt: undefined }), 1000)[0]!,
      /outlives/,
    );
    assert.equal(grantProblems(caller({ expiresAt: 1000 }), grant({ expiresAt: 999 }), 1000).length, 0);
  });

  it('uses the default rate limit for a creator without its own', () => {
    assert.equal(grantProblems(caller({ rateLimit: undefined }), grant({ rateLimit: 1000 }), 1000).length, 0);
    assert.equal(grantProblems(caller({ rateLimit: undefined }), grant({ rateLimit: 1001 }), 1000).length, 1);
  });

  it('never allows a grant with a permission the creator lacks (property)', () => {
    const permissionSet = fc.record(
      Object.fromEntries(PERMISSIONS.map((p) => [p, fc.boolean()])) as Record<
        keyof PermissionSet,
        fc.Arbitrary<boolean>
      >,
    );
    fc.assert(
      fc.property(permissionSet, permissionSet, (own, requested) => {
        const problems = grantProblems(caller({ permissions: own }), grant({ permissions: requested }), 1000);
        const escalates = PERMISSIONS.some((p) => requested[p] && !own[p]);
        return escalates === problems.some((p) => p.startsWith('cannot grant can'));
      }),
    );
  });
});
