import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileOriginMatcher } from './cors.js';

describe('compileOriginMatcher', () => {
  const allowed = compileOriginMatcher([
    'https://app.example.com',
    'https://*.lunarbit.dev',
    'http://localhost:*',
  ]);

  it('matches exact origins case-insensitively', () => {
    assert.ok(allowed('https://app.example.com'));
    assert.ok(allowed('HTTPS://APP.EXAMPLE.COM'));
    assert.ok(!allowed('http://app.example.com'), 'scheme must match');
    assert.ok(!allowed('https://app.example.com:8443'), 'port must match');
  });

  it('matches subdomain wildcards but not the bare domain or look-alikes', () => {
    assert.ok(allowed('https://docs.lunarbit.dev'));
    assert.ok(allowed('https://a.b.lunarbit.dev'));
    assert.ok(!allowed('https://lunarbit.dev'));
    assert.ok(!allowed('https://evil-lunarbit.dev'));
    assert.ok(!allowed('https://lunarbit.dev.evil.com'));
    assert.ok(!allowed('https://xlunarbitxdev'));
  });

  it('matches any port with :*', () => {
    assert.ok(allowed('http://localhost:5173'));
    assert.ok(allowed('http://localhost'));
    assert.ok(!allowed('http://localhost.evil.com:5173'));
  });

  it('allows nothing when no origins are configured', () => {
    const none = compileOriginMatcher([]);
    fc.assert(fc.property(fc.webUrl(), (url) => !none(new URL(url).origin)));
  });

  it('never lets a wildcard match a host outside its domain (property)', () => {
    const matcher = compileOriginMatcher(['https://*.example.com']);
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        const origin = `https://${domain}`;
        const inside = domain.toLowerCase().endsWith('.example.com');
        return matcher(origin) === inside;
      }),
    );
  });
});
