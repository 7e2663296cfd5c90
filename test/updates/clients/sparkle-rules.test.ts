import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  parseAppcast,
  sparkleItemDate,
  sparkleUnarchiver,
  suggestedFilename,
  verifySparkleSignature,
} from './sparkle-rules.js';
import { sparkleSigner } from './update-signing.js';

const APPCAST_URL = 'https://gw.test/projects/trackly/channels/stable/sparkle/appcast.xml';

/** Sparkle's Tests/Resources/testappcast.xml, as its SUAppcastTest reads it. */
const SPARKLE_TEST_APPCAST = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle">
  <channel>
    <title>For unit test only</title>
    <item>
        <title>Version 2.0</title>
        <description sparkle:format="plain-text">desc</description>
        <pubDate>Sat, 26 Jul 2014 15:20:11 +0000</pubDate>
        <!-- Test sparkle:version in enclosure -->
        <enclosure url="http://localhost:1337/Sparkle_Test_App.zip" sparkle:version="2.0" />
        <sparkle:criticalUpdate sparkle:version="1.5" />
    </item>
    <!-- The best chosen release -->
    <item>
        <title>Version 3.0</title>
        <sparkle:version>3.0</sparkle:version>
        <sparkle:phasedRolloutInterval>86400</sparkle:phasedRolloutInterval>
        <description>desc3</description>
        <!-- Test legacy critical update tag -->
        <sparkle:tags><sparkle:criticalUpdate /></sparkle:tags>
        <enclosure url="http://localhost:1337/Sparkle_Test_App.zip" length="1346234" />
        <sparkle:deltas>
            <enclosure url="http://localhost:1337/3.0_from_2.0.patch"
            sparkle:deltaFrom="2.0"
            length="1235"
            type="application/octet-stream"
            sparkle:edSignature="..." />
            
            <enclosure url="http://localhost:1337/3.0_from_1.0.patch"
            sparkle:deltaFrom="1.0"
            length="1485"
            type="application/octet-stream"
            sparkle:edSignature="..." />
        </sparkle:deltas>
    </item>
    <!-- A release testing minimumSystemVersion -->
    <item>
        <title>Version 4.0</title>
        <sparkle:version>4.0</sparkle:version>
        <pubDate>Sat, 26 Jul 2014 15:20:13 +0000</pubDate>
        <enclosure url="http://localhost:1337/Sparkle_Test_App.zip" length="1346234" />
        <sparkle:minimumSystemVersion>17.0.0</sparkle:minimumSystemVersion>
    </item>
    <!-- A joke release testing maximumSystemVersion -->
    <item>
        <title>Version 5.0</title>
        <sparkle:version>5.0</sparkle:version>
        <enclosure url="http://localhost:1337/Sparkle_Test_App.zip" length="1346234" />
        <sparkle:maximumSystemVersion>2.0.0</sparkle:maximumSystemVersion>
    </item>
  </channel>
</rss>`;

function appcast(
  item: string,
  namespace = 'xmlns:sparkle="http://www.andymatuschak.org/xml-namespaces/sparkle"',
) {
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" ${namespace}><channel><title>T</title>${item}</channel></rss>`;
}

describe('Sparkle appcast rules', () => {
  it('reads Sparkle’s own test appcast as SUAppcastTest expects', () => {
    const items = parseAppcast(SPARKLE_TEST_APPCAST, APPCAST_URL);
    assert.deepEqual(
      items.map((item) => [item.title, item.versionString, item.hasCriticalInformation, item.dateString]),
      [
        ['Version 2.0', '2.0', true, 'Sat, 26 Jul 2014 15:20:11 +0000'],
        ['Version 3.0', '3.0', true, null],
        ['Version 4.0', '4.0', false, 'Sat, 26 Jul 2014 15:20:13 +0000'],
        ['Version 5.0', '5.0', false, null],
      ],
    );
    assert.equal(items[1]?.contentLength, 1346234);
    assert.equal(items[2]?.minimumSystemVersion, '17.0.0');
    assert.equal(items[0]?.fileURL, 'http://localhost:1337/Sparkle_Test_App.zip');
    assert.equal(sparkleItemDate(items[0]!.dateString!), Date.parse('2014-07-26T15:20:11Z'));
  });

  it('matches the namespace by URI, whatever the prefix', () => {
    const [item] = parseAppcast(
      appcast(
        '<item><s:version>7</s:version><s:shortVersionString>1.7</s:shortVersionString><enclosure url="a.zip" length="9" s:edSignature="x"/></item>',
        'xmlns:s="http://www.andymatuschak.org/xml-namespaces/sparkle"',
      ),
      APPCAST_URL,
    );
    assert.deepEqual([item?.versionString, item?.displayVersionString, item?.edSignature], ['7', '1.7', 'x']);
  });

  it('resolves enclosure URLs against the appcast URL and needs http(s)', () => {
    const item = (url: string) =>
      parseAppcast(
        appcast(`<item><sparkle:version>2</sparkle:version><enclosure url="${url}" length="5"/></item>`),
        APPCAST_URL,
      )[0];
    assert.equal(
      item('Trackly 1.3.0.zip')?.fileURL,
      'https://gw.test/projects/trackly/channels/stable/sparkle/Trackly%201.3.0.zip',
    );
    assert.equal(
      item('/projects/trackly/channels/stable/versions/1.3.0/builds/macos-universal/download')?.fileURL,
      'https://gw.test/projects/trackly/channels/stable/versions/1.3.0/builds/macos-universal/download',
    );
    assert.equal(item('Trackly.pkg')?.installationType, 'package');
    assert.throws(() => item('ftp://files.test/Trackly.zip'), {
      message: 'File URLs must have a http or https URL scheme',
    });
  });

  it('fails the whole appcast on an item it cannot read', () => {
    assert.throws(
      () =>
        parseAppcast(appcast('<item><title>no version</title><enclosure url="a.zip"/></item>'), APPCAST_URL),
      {
        message: /^Feed item lacks sparkle:version element/,
      },
    );
    assert.throws(
      () => parseAppcast(appcast('<item><sparkle:version>2</sparkle:version></item>'), APPCAST_URL),
      {
        message: 'No enclosure in feed item',
      },
    );
    assert.throws(
      () =>
        parseAppcast(
          appcast('<item><sparkle:version>2</sparkle:version><enclosure length="1"/></item>'),
          APPCAST_URL,
        ),
      {
        message: "Feed item's enclosure lacks URL",
      },
    );
    assert.throws(() => parseAppcast('<rss><channel></rss>', APPCAST_URL), {
      message: /^The appcast is not XML/,
    });
  });

  it('installs only a download whose name it can unarchive', () => {
    assert.equal(
      sparkleUnarchiver(suggestedFilename('https://gw.test/files/a/Trackly-1.3.0.zip?expires=1', null)),
      'piped',
    );
    assert.equal(
      sparkleUnarchiver(
        suggestedFilename('https://gw.test/x/download', 'attachment; filename="Trackly.dmg"'),
      ),
      'disk-image',
    );
    assert.equal(
      sparkleUnarchiver(
        suggestedFilename('https://gw.test/x/download', "attachment; filename*=UTF-8''Trackly%201.tar.gz"),
      ),
      'piped',
    );
    assert.equal(
      sparkleUnarchiver(suggestedFilename('https://gw.test/projects/trackly/builds/macos/download', null)),
      null,
    );
  });

  it('checks the EdDSA signature of the download', () => {
    const signer = sparkleSigner();
    const archive = randomBytes(2048);
    const signed = (signature?: string) =>
      parseAppcast(
        appcast(
          `<item><sparkle:version>2</sparkle:version><enclosure url="a.zip" length="${archive.length}"${signature === undefined ? '' : ` sparkle:edSignature="${signature}"`}/></item>`,
        ),
        APPCAST_URL,
      )[0]!;
    verifySparkleSignature(signed(signer.sign(archive)), archive, signer.publicEdKey);
    assert.throws(
      () => verifySparkleSignature(signed(signer.sign(archive)), archive.subarray(1), signer.publicEdKey),
      {
        message: /^EdDSA signature does not match/,
      },
    );
    assert.throws(() => verifySparkleSignature(signed(), archive, signer.publicEdKey), {
      message: /there is no EdDSA signature in the update/,
    });
    assert.throws(() => verifySparkleSignature(signed('c2ln'), archive, signer.publicEdKey), {
      message: /has an EdDSA signature, but it's invalid/,
    });
  });
});
