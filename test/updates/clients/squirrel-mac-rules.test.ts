import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseSquirrelMacAnswer,
  parseSquirrelMacDate,
  squirrelMacDownloadName,
} from './squirrel-mac-rules.js';

const answer = (body: object) => parseSquirrelMacAnswer(200, JSON.stringify(body));

describe('Squirrel.Mac update server rules', () => {
  // The cases are Squirrel.Mac's own, from SquirrelTests/SQRLUpdateSpec.m.
  it('needs a URL with a scheme and a host', () => {
    assert.throws(() => answer({}), { message: /SQRLUpdate must be initialized with a valid updateURL/ });
    assert.throws(() => answer({ url: 'test' }), {
      message: /Update URLs must have a scheme, a host and a path/,
    });
    assert.throws(
      () => answer({ url: '/projects/trackly/channels/stable/versions/1.3.0/builds/macos-zip/download' }),
      {
        message: /Update URLs must have a scheme, a host and a path/,
      },
    );
    assert.throws(() => answer({ url: 'https://gw.test/Trackly 1.3.0.zip' }), {
      message: /SQRLUpdate must be initialized with a valid updateURL/,
    });
    assert.equal(answer({ url: 'http://example.com/update' })?.updateURL, 'http://example.com/update');
  });

  it('drops a name or notes that are not strings', () => {
    const update = answer({ url: 'http://example.com/update', name: 5, notes: {} });
    assert.equal(update?.releaseName, null);
    assert.equal(update?.releaseNotes, null);
  });

  it('reads the dates its tests read, and not fractional seconds', () => {
    assert.equal(parseSquirrelMacDate('Tue Sep 17 10:24:27 -0700 2013'), 1379438667_000);
    assert.equal(parseSquirrelMacDate('2013-09-18T13:17:07+01:00'), 1379506627_000);
    assert.equal(parseSquirrelMacDate('2013-09-18T13:17:07-0700'), 1379535427_000);
    assert.equal(parseSquirrelMacDate('2013-09-18T12:17:07Z'), 1379506627_000);
    // JavaScript's toISOString() has milliseconds; NSDateFormatter's `ss` then fails.
    assert.equal(parseSquirrelMacDate('2013-09-18T12:17:07.000Z'), null);
    assert.equal(parseSquirrelMacDate('Wed, 18 Sep 2013 12:17:07 GMT'), null);
    assert.equal(
      answer({ url: 'http://example.com/update', pub_date: '2013-09-18T12:17:07.000Z' })?.releaseDate,
      null,
    );
  });

  it('takes 204 as "no update" and any other failure as a failed check', () => {
    assert.equal(parseSquirrelMacAnswer(204, ''), null);
    for (const [status, body] of [
      [401, '{"error":{}}'],
      [404, ''],
      [200, 'not json'],
    ] as const) {
      assert.throws(() => parseSquirrelMacAnswer(status, body), { message: /^Update check failed: / });
    }
  });

  it('saves the zip under the URL’s last path component', () => {
    assert.equal(
      squirrelMacDownloadName(
        'https://gw.test/projects/p/download/Trackly%201.3.0-universal-mac.zip?token=x',
      ),
      'Trackly 1.3.0-universal-mac.zip',
    );
    assert.equal(squirrelMacDownloadName('https://gw.test/projects/p/builds/macos-zip/download'), 'download');
  });
});
