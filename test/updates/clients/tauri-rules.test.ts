import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { verifyTauriSignature } from './minisign.js';
import { parseRfc3339, parseRustSemver } from './rust-parsers.js';
import { parseTauriAnswer, tauriEndpoint } from './tauri-rules.js';
import { tauriSigner } from './update-signing.js';

const ENDPOINT =
  'https://updates.example.com/projects/trackly/channels/stable/tauri/{{target}}/{{arch}}/{{current_version}}';
const answer = (body: object) => JSON.stringify(body);
const rejects = (status: number, body: string, message: string | RegExp) =>
  assert.throws(() => parseTauriAnswer(status, body), { message });

describe('Tauri updater rules', () => {
  it('fills the endpoint template as the client does', () => {
    assert.equal(
      tauriEndpoint(ENDPOINT, { target: 'darwin', arch: 'aarch64', currentVersion: '1.2.0' }),
      'https://updates.example.com/projects/trackly/channels/stable/tauri/darwin/aarch64/1.2.0',
    );
    assert.equal(
      tauriEndpoint(`${ENDPOINT}?bundle={{bundle_type}}`, {
        target: 'windows',
        arch: 'x86_64',
        currentVersion: '1.2.0-beta.1+build.7',
        bundleType: 'nsis',
      }),
      'https://updates.example.com/projects/trackly/channels/stable/tauri/windows/x86_64/1.2.0-beta.1%2Bbuild.7?bundle=nsis',
    );
  });

  it('accepts the dynamic answer of Tauri’s documentation and 204', () => {
    // The "Dynamic Update Server" example of the updater plugin's documentation.
    const release = parseTauriAnswer(
      200,
      answer({
        version: '0.2.0',
        pub_date: '2020-09-18T12:29:53+01:00',
        url: 'https://mycompany.example.com/myapp/releases/myrelease.tar.gz',
        signature: 'Content of the relevant .sig file',
        notes: 'These are some release notes',
      }),
    );
    assert.equal(release?.version, '0.2.0');
    assert.equal(release?.pubDate, Date.parse('2020-09-18T11:29:53Z'));
    assert.equal(parseTauriAnswer(204, ''), null);
    assert.equal(
      parseTauriAnswer(200, answer({ name: 'v1.0.0', url: 'https://x.test/a', signature: 's' }))?.version,
      '1.0.0',
    );
  });

  it('rejects what the client rejects', () => {
    const good = {
      version: '1.3.0',
      url: 'https://gw.test/a.tar.gz',
      signature: 'c2ln',
      pub_date: '2026-02-05T14:30:00Z',
    };
    rejects(
      200,
      answer({
        ...good,
        url: '/projects/trackly/channels/stable/versions/1.3.0/builds/macos-universal/download',
      }),
      'invalid value: string "/projects/trackly/channels/stable/versions/1.3.0/builds/macos-universal/download", expected relative URL without a base',
    );
    rejects(
      200,
      answer({ ...good, pub_date: 'Thu, 05 Feb 2026 14:30:00 GMT' }),
      "invalid value for `pub_date`: the 'year' component could not be parsed",
    );
    rejects(
      200,
      answer({ ...good, version: '1.3' }),
      'unexpected end of input while parsing minor version number',
    );
    rejects(
      200,
      answer({ ...good, signature: undefined }),
      'the `signature` field was not set on the updater response',
    );
    rejects(200, answer({ ...good, url: undefined }), 'the `url` field was not set on the updater response');
    rejects(200, '<html>', 'error decoding response body');
    // A 4xx is skipped like an unreachable endpoint; with one endpoint nothing is left.
    rejects(400, answer({ error: {} }), 'Could not fetch a valid release JSON from the remote');
  });

  it('reads RFC 3339 as the time crate does', () => {
    assert.equal(parseRfc3339('2026-02-05T14:30:00Z'), Date.parse('2026-02-05T14:30:00Z'));
    assert.equal(parseRfc3339('2026-02-05t14:30:00.123456789z'), Date.parse('2026-02-05T14:30:00.123Z'));
    assert.equal(parseRfc3339('2026-02-05 14:30:00-02:30'), Date.parse('2026-02-05T17:00:00Z'));
    assert.equal(parseRfc3339('2016-12-31T23:59:60Z'), Date.parse('2016-12-31T23:59:59.999Z'));
    for (const [input, message] of [
      ['2026-02-05T14:30:00', "the 'offset hour' component could not be parsed"],
      ['2026-02-05T14:30:00+0100', 'a character literal was not valid'],
      ['2026-02-05T14:30:00+24:00', "the 'offset hour' component could not be parsed"],
      ['2026-02-05T14:30:00.Z', "the 'subsecond' component could not be parsed"],
      ['2026-02-05T14:30:00Z ', 'unexpected trailing characters; the end of input was expected'],
      ['2026-02-30T14:30:00Z', 'day must be in the range 1..=28, given values of other parameters'],
      ['2026-02-05T24:00:00Z', 'hour must be in the range 0..=23'],
      ['2016-12-30T23:59:60Z', 'second must be in the range 0..=59, given values of other parameters'],
      ['2026-2-05T14:30:00Z', "the 'month' component could not be parsed"],
    ] as const) {
      assert.throws(() => parseRfc3339(input), { message }, input);
    }
  });

  it('reads every ISO timestamp JavaScript writes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        (date) => {
          assert.equal(parseRfc3339(date.toISOString()), date.getTime());
        },
      ),
    );
  });

  it('reads versions as the semver crate does', () => {
    assert.deepEqual(parseRustSemver('1.2.3-rc.1+build.001'), {
      major: 1n,
      minor: 2n,
      patch: 3n,
      pre: 'rc.1',
      build: 'build.001',
    });
    for (const [input, message] of [
      ['', 'empty string, expected a semver version'],
      ['01.2.3', 'invalid leading zero in major version number'],
      ['1.q.r', "unexpected character 'q' while parsing minor version number"],
      ['1.2.3-01', 'invalid leading zero in pre-release identifier'],
      ['1.2.3-', 'empty identifier segment in pre-release identifier'],
      ['1.2.3-a..b', 'empty identifier segment in pre-release identifier'],
      ['1.2.3 ', "unexpected character ' ' after patch version number"],
      ['1.2.3.4', "unexpected character '.' after patch version number"],
    ] as const) {
      assert.throws(() => parseRustSemver(input), { message }, input);
    }
  });

  it('verifies minisign signatures like the client (the verifier crate’s own test vectors)', () => {
    const publicKey = Buffer.from(
      'untrusted comment: minisign public key E7620F1842B4E81F\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3',
    ).toString('base64');
    const legacy = Buffer.from(
      'untrusted comment: signature from minisign secret key\nRWQf6LRCGA9i59SLOFxz6NxvASXDJeRtuZykwQepbDEGt87ig1BNpWaVWuNrm73YiIiJbq71Wi+dP9eKL8OC351vwIasSSbXxwA=\ntrusted comment: timestamp:1555779966\tfile:test\nQtKMXWyYcwdpZAlPF7tE2ENJkRd1ujvKjlj1m9RtHTBnZPa5WKU5uWRs5GoP5M/VqE81QFuMKI5k/SfNQUaOAA==',
    ).toString('base64');
    const prehashed = Buffer.from(
      'untrusted comment: signature from minisign secret key\nRUQf6LRCGA9i559r3g7V1qNyJDApGip8MfqcadIgT9CuhV3EMhHoN1mGTkUidF/z7SrlQgXdy8ofjb7bNJJylDOocrCo8KLzZwo=\ntrusted comment: timestamp:1556193335\tfile:test\ny/rUw2y8/hOUYjZU71eHp/Wo1KZ40fGy2VJEDl34XMJM+TX48Ss/17u3IvIfbVR1FkZZSNCisQbuQY+bHwhEBg==',
    ).toString('base64');
    assert.equal(
      verifyTauriSignature(Buffer.from('test'), legacy, publicKey),
      'timestamp:1555779966\tfile:test',
    );
    assert.equal(
      verifyTauriSignature(Buffer.from('test'), prehashed, publicKey),
      'timestamp:1556193335\tfile:test',
    );
    assert.throws(() => verifyTauriSignature(Buffer.from('Test'), legacy, publicKey), {
      message: 'InvalidSignature',
    });
  });

  it('accepts the .sig a Tauri signer writes, and nothing else', () => {
    const signer = tauriSigner();
    const bundle = randomBytes(4096);
    const sig = signer.sign(bundle, 'Trackly_1.3.0_x64-setup.exe');
    assert.match(
      verifyTauriSignature(bundle, sig, signer.publicKey),
      /\tfile:Trackly_1\.3\.0_x64-setup\.exe$/,
    );
    const tampered = Buffer.concat([bundle, Buffer.from([0])]);
    assert.throws(() => verifyTauriSignature(tampered, sig, signer.publicKey), {
      message: 'InvalidSignature',
    });
    assert.throws(() => verifyTauriSignature(bundle, sig, tauriSigner().publicKey), {
      message: 'UnexpectedKeyId',
    });
    assert.throws(() => verifyTauriSignature(bundle, '', signer.publicKey), { message: 'InvalidEncoding' });
    assert.throws(() => verifyTauriSignature(bundle, 'not base64!', signer.publicKey), {
      message: /^Invalid (symbol|input length)/,
    });
  });
});
