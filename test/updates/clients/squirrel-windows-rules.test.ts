import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checksumPackage,
  packageDownloadUrl,
  parseReleaseEntry,
  parseReleaseFile,
  releaseEntryPackageName,
  releaseEntryVersion,
  releasesUrl,
} from './squirrel-windows-rules.js';

const ZEROS = '0000000000000000000000000000000000000000';
const entry = (line: string) => {
  const parsed = parseReleaseEntry(line);
  assert.ok(parsed, line);
  return parsed;
};

describe('Squirrel.Windows RELEASES rules', () => {
  // The cases below are Squirrel.Windows' own, from test/Squirrel.Tests/ReleaseEntryTests.cs.
  it('parses the lines Squirrel’s tests parse (ParseValidReleaseEntryLines)', () => {
    for (const [line, filename, size, baseUrl, query] of [
      [
        '94689fede03fed7ab59c24337673a27837f0c3ec MyCoolApp-1.0.nupkg 1004502',
        'MyCoolApp-1.0.nupkg',
        1004502,
        null,
        null,
      ],
      [
        '3a2eadd15dd984e4559f2b4d790ec8badaeb6a39   MyCoolApp-1.1.nupkg   1040561',
        'MyCoolApp-1.1.nupkg',
        1040561,
        null,
        null,
      ],
      [
        '14db31d2647c6d2284882a2e101924a9c409ee67  MyCoolApp-1.1.nupkg.delta  80396',
        'MyCoolApp-1.1.nupkg.delta',
        80396,
        null,
        null,
      ],
      [
        `${ZEROS}  http://test.org/Folder/MyCoolApp-1.2.nupkg  2569`,
        'MyCoolApp-1.2.nupkg',
        2569,
        'http://test.org/Folder/',
        null,
      ],
      [
        `${ZEROS}  http://test.org/Folder/MyCoolApp-1.2.nupkg?query=param  2569`,
        'MyCoolApp-1.2.nupkg',
        2569,
        'http://test.org/Folder/',
        '?query=param',
      ],
      [
        `${ZEROS}  https://www.test.org/Folder/MyCoolApp-1.2-delta.nupkg  1231953`,
        'MyCoolApp-1.2-delta.nupkg',
        1231953,
        'https://www.test.org/Folder/',
        null,
      ],
      [
        `${ZEROS}  https://www.test.org/Folder/MyCoolApp-1.2-delta.nupkg?query=param  1231953`,
        'MyCoolApp-1.2-delta.nupkg',
        1231953,
        'https://www.test.org/Folder/',
        '?query=param',
      ],
    ] as const) {
      const parsed = entry(line);
      assert.deepEqual(
        [parsed.filename, parsed.filesize, parsed.baseUrl, parsed.query],
        [filename, size, baseUrl, query],
      );
    }
  });

  it('refuses paths (ParseThrowsWhenInvalidReleaseEntryLines) and the gateway’s root-relative links', () => {
    for (const file of [
      'file:/C/Folder/MyCoolApp-0.0.nupkg',
      'C:\\Folder\\MyCoolApp-0.0.nupkg',
      '..\\OtherFolder\\MyCoolApp-0.0.nupkg',
      '../OtherFolder/MyCoolApp-0.0.nupkg',
      '\\\\Somewhere\\NetworkShare\\MyCoolApp-0.0.nupkg.delta',
      '/projects/trackly/channels/stable/versions/1.3.0/builds/windows-x64/download',
    ]) {
      assert.throws(() => parseReleaseEntry(`${ZEROS}  ${file}  0`), {
        message: 'Filename can either be an absolute HTTP[s] URL, *or* a file name',
      });
    }
    assert.throws(() => parseReleaseEntry(`${ZEROS} MyCoolApp-1.0.nupkg`), {
      message: /^Invalid release entry: /,
    });
  });

  it('reads the version and package name from the file name (ParseVersionTest, CheckPackageName)', () => {
    for (const [file, version, special, name] of [
      ['MyCoolApp-1.2.nupkg', [1, 2, 0, 0], '', 'MyCoolApp'],
      ['MyCoolApp-1.2-beta1-delta.nupkg', [1, 2, 0, 0], 'beta1', 'MyCoolApp'],
      ['MyCool-App-1.2.3.nupkg', [1, 2, 3, 0], '', 'MyCool-App'],
      ['MyCool_App-1.2.3-full.nupkg', [1, 2, 3, 0], '', 'MyCool_App'],
      ['MyCoolApp-1.2.3-beta1-full.nupkg', [1, 2, 3, 0], 'beta1', 'MyCoolApp'],
      ['MyCoolApp-1.2.3.4-delta.nupkg', [1, 2, 3, 4], '', 'MyCoolApp'],
      ['MyCool-App-1.2.3.4-beta1-delta.nupkg', [1, 2, 3, 4], 'beta1', 'MyCool-App'],
    ] as const) {
      const parsed = entry(`${ZEROS}  ${file}  123`);
      assert.deepEqual(releaseEntryVersion(parsed.filename), { version, specialVersion: special }, file);
      assert.equal(releaseEntryPackageName(parsed.filename), name, file);
      assert.equal(parsed.isDelta, file.endsWith('-delta.nupkg'), file);
    }
  });

  it('cannot read a version from a link ending in /download, nor a dotted prerelease', () => {
    const download = entry(`${ZEROS}  https://gw.test/projects/trackly/builds/windows-x64/download  10`);
    assert.equal(download.filename, 'download');
    assert.throws(() => releaseEntryVersion(download.filename), {
      message: /^Value cannot be null or an empty string\./,
    });
    // NuGet 2's SemanticVersion has no dotted prerelease: the version read is the trailing `1`.
    assert.throws(() => releaseEntryVersion('trackly-1.3.0-beta.1-full.nupkg'), {
      message: /^'1' is not a valid version string\./,
    });
  });

  it('reads staging percentages (ParseStagingPercentageTest)', () => {
    assert.equal(entry(`${ZEROS}  MyCoolApp-1.2.nupkg  123 # 10%`).stagingPercentage, 0.1);
    assert.equal(entry(`${ZEROS}  MyCoolApp-1.2-full.nupkg  123 # 90%`).stagingPercentage, 0.9);
    assert.equal(entry(`${ZEROS}  MyCoolApp-1.2-delta.nupkg  123`).stagingPercentage, null);
    assert.equal(parseReleaseEntry('# only a comment'), null);
  });

  it('parses a RELEASES file (fixtures/RELEASES-OnePointOne), BOM and CRLF included', () => {
    const file =
      '\uFEFF94689fede03fed7ab59c24337673a27837f0c3ec  MyCoolApp-1.0.nupkg  1004502\r\n' +
      '3a2eadd15dd984e4559f2b4d790ec8badaeb6a39  MyCoolApp-1.1.nupkg  1040561\r\n' +
      '14db31d2647c6d2284882a2e101924a9c409ee67  MyCoolApp-1.1-delta.nupkg  80396\r\n';
    assert.deepEqual(
      parseReleaseFile(file).map((parsed) => parsed.filename),
      ['MyCoolApp-1.0.nupkg', 'MyCoolApp-1.1.nupkg', 'MyCoolApp-1.1-delta.nupkg'],
    );
  });

  it('forms the RELEASES and package URLs as the update manager does', () => {
    const feed = 'https://gw.test/projects/trackly/channels/stable/electron/win32/x64';
    assert.equal(
      releasesUrl(`${feed}/`, { packageName: 'trackly', version: '1.2.0' }),
      `${feed}/RELEASES?id=trackly&localVersion=1.2.0&arch=amd64`,
    );
    const bare = entry(`${ZEROS}  trackly-1.3.0-full.nupkg  10`);
    assert.equal(packageDownloadUrl(feed, bare), `${feed}/trackly-1.3.0-full.nupkg`);
    assert.equal(
      packageDownloadUrl(`${feed}?token=feed`, bare),
      `${feed}/trackly-1.3.0-full.nupkg`,
      'feed query dropped',
    );
    const absolute = entry(`${ZEROS}  https://cdn.test/dl/trackly-1.3.0-full.nupkg?token=a%2Bb&e=1  10`);
    assert.equal(absolute.query, '?token=a%2Bb&e=1');
    assert.equal(
      packageDownloadUrl(feed, absolute),
      'https://cdn.test/dl/trackly-1.3.0-full.nupkg?token=a%2Bb&e=1',
    );
  });

  it('checks the downloaded package by size, then SHA1', () => {
    const bytes = Buffer.from('a package');
    const sha1 = createHash('sha1').update(bytes).digest('hex').toUpperCase();
    const good = entry(`${sha1}  trackly-1.3.0-full.nupkg  ${bytes.length}`);
    checksumPackage(good, bytes);
    assert.throws(() => checksumPackage(good, Buffer.from('a package!')), { message: /size doesn't match/ });
    assert.throws(() => checksumPackage(good, Buffer.from('A package')), {
      message: /^Checksum doesn't match/,
    });
  });
});
