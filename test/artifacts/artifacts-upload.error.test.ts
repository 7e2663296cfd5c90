import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import { addBuild } from '../catalog/catalog-fixtures.js';
import { assertErrorEnvelope } from '../helpers/assertions.js';
import { adminAuth } from '../helpers/keys.js';
import { testConfig } from '../helpers/test-config.js';
import { artifactTestApp, storageCases } from './artifact-storages.fixture.js';
import {
  buildRows,
  digest,
  eventually,
  multipart,
  trackly,
  UPLOAD_URL,
  upload,
} from './artifacts-fixtures.js';

const content = randomBytes(4096);

for (const storageCase of await storageCases()) {
  const { skip } = storageCase;
  describe(`build upload errors [${storageCase.label}]`, { skip }, () => {
    it('a wrong expected checksum leaves no file and no build row', async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      const response = await upload(
        app,
        { platform: 'windows', architecture: 'x64', sha256: 'ab'.repeat(32) },
        content,
        400,
      );
      const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
      assert.deepEqual(error.details, {
        field: 'sha256',
        expected: 'ab'.repeat(32),
        actual: digest('sha256', content),
      });
      assert.equal(response.headers.connection, 'close');
      assert.deepEqual(await stored(), []);
      assert.deepEqual(await buildRows(app), []);
    });

    it('an upload aborted halfway leaves no file and no build row', async (t) => {
      const { app, stored, bucket } = await artifactTestApp(t, storageCase);
      await trackly(app);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as net.AddressInfo;
      // Past the first part of a multipart upload (5 MiB), so that the bucket holds an unfinished one.
      const big = randomBytes(12 * 1024 * 1024);
      const { payload, headers } = multipart({ platform: 'linux', architecture: 'x64' }, big);
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST ${UPLOAD_URL} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${headers.authorization}\r\n` +
          `Content-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
      );
      socket.write(payload.subarray(0, (payload.length * 2) / 3));
      // The server is writing the file before the client goes away: some of it is on disk (in
      // staging), or a part of it is in the bucket's unfinished multipart upload.
      if (bucket === undefined) await eventually(async () => (await stored()).length === 1);
      else
        await eventually(() =>
          bucket.requests().some((r) => r.method === 'PUT' && /partNumber=1\b/.test(r.url)),
        );
      socket.destroy();
      await eventually(async () => {
        await app.gateway.artifacts.uploads.idle();
        return (await stored()).length === 0;
      });
      assert.deepEqual(await buildRows(app), []);
      if (bucket !== undefined) {
        // s3rver keeps no list of unfinished uploads to look at: the abort request is what shows.
        const uploadId = /uploadId=([^&]+)/.exec(
          bucket.requests().find((r) => r.method === 'PUT' && /partNumber=1\b/.test(r.url))?.url ?? '',
        )?.[1];
        assert.ok(uploadId);
        await eventually(() =>
          bucket.requests().some((r) => r.method === 'DELETE' && r.url.includes(`uploadId=${uploadId}`)),
        );
        assert.deepEqual(
          bucket.requests().filter((r) => r.method === 'POST' && /uploadId=/.test(r.url)),
          [],
          'never completed',
        );
      }
    });

    it('a file beyond MAX_UPLOAD_SIZE is 413, whether it declares its length or not', async (t) => {
      const config = testConfig();
      const { app, stored } = await artifactTestApp(t, storageCase, {
        config: { artifacts: { ...config.artifacts, maxUploadBytes: 1024 } },
      });
      await trackly(app);
      const streamed = await upload(app, { platform: 'windows', architecture: 'x64' }, content, 413);
      assertErrorEnvelope(streamed, 413, 'PAYLOAD_TOO_LARGE');
      const huge = multipart({ platform: 'windows', architecture: 'x64' }, randomBytes(512 * 1024));
      const declared = await app.inject({ method: 'POST', url: UPLOAD_URL, ...huge });
      assertErrorEnvelope(declared, 413, 'PAYLOAD_TOO_LARGE');
      assert.equal(declared.json().error.details.max_upload_size, 1024);
      await upload(app, { platform: 'windows', architecture: 'x64' }, content.subarray(0, 1024), 201);
      assert.equal((await stored()).length, 1, 'only the upload within the limit is stored');
    });

    it('a taken build id is 409 before the file is read, for uploads and JSON builds alike', async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      await addBuild(app, 'trackly', 'stable', '1.0.0', { platform: 'windows', architecture: 'x64' });
      assertErrorEnvelope(
        await upload(app, { platform: 'windows', architecture: 'x64' }, content, 409),
        409,
        'CONFLICT',
      );
      await upload(app, { platform: 'linux', architecture: 'x64' }, content);
      assertErrorEnvelope(
        await upload(app, { platform: 'linux', architecture: 'x64' }, content, 409),
        409,
        'CONFLICT',
      );
      const json = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        headers: adminAuth,
        payload: {
          platform: 'linux',
          architecture: 'x64',
          file_name: 'x',
          file_size: 1,
          download_url: 'https://cdn.example.com/x',
          checksum: { sha256: 'a'.repeat(64) },
        },
      });
      assertErrorEnvelope(json, 409, 'CONFLICT');
      assert.equal((await stored()).length, 1);
      assert.equal((await buildRows(app)).length, 2);
    });

    it('malformed forms are 400 with the fields named; unknown versions 404', async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      const bad = assertErrorEnvelope(
        await upload(
          app,
          { platform: 'beos', architecture: 'x64', colour: 'blue', sha256: 'nope' },
          content,
          400,
        ),
        400,
        'INVALID_REQUEST',
      );
      const fields = (bad.details as { fields: { field: string }[] }).fields.map((f) => f.field).sort();
      assert.deepEqual(fields, ['colour', 'platform', 'sha256']);
      const fileFirst = Buffer.from(
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.exe"\r\n\r\nabc\r\n' +
          '--b\r\nContent-Disposition: form-data; name="platform"\r\n\r\nlinux\r\n--b--\r\n',
      );
      const misplaced = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        headers: { ...adminAuth, 'content-type': 'multipart/form-data; boundary=b' },
        payload: fileFirst,
      });
      assertErrorEnvelope(misplaced, 400, 'INVALID_REQUEST');
      const noFile = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        headers: { ...adminAuth, 'content-type': 'multipart/form-data; boundary=b' },
        payload: Buffer.from(
          '--b\r\nContent-Disposition: form-data; name="platform"\r\n\r\nlinux\r\n--b--\r\n',
        ),
      });
      assert.match(String(assertErrorEnvelope(noFile, 400, 'INVALID_REQUEST').message), /file/);
      const missing = await app.inject({
        method: 'POST',
        url: UPLOAD_URL.replace('1.0.0', '9.9.9'),
        ...multipart({ platform: 'linux', architecture: 'x64' }, content),
      });
      assertErrorEnvelope(missing, 404, 'VERSION_NOT_FOUND');
      const empty = await app.inject({ method: 'POST', url: UPLOAD_URL, headers: adminAuth });
      assertErrorEnvelope(empty, 400, 'INVALID_REQUEST');
      assert.deepEqual(await stored(), []);
      assert.deepEqual(await buildRows(app), []);
    });

    // Each of these was a 500, and a body ending inside the file part was never answered at all.
    it('a form the parser cannot read is 400 and stores nothing', { timeout: 20_000 }, async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      const form = (boundary: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="platform"\r\n\r\nlinux\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="architecture"\r\n\r\nx64\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n${'x'.repeat(5000)}\r\n--${boundary}--\r\n`;
      const long = 'b'.repeat(300);
      const cases = [
        { type: 'multipart/form-data', payload: form('b'), reason: /boundary/ },
        {
          type: `multipart/form-data; boundary=${'b'.repeat(71)}`,
          payload: form('b'.repeat(71)),
          reason: /boundary/,
        },
        { type: `multipart/form-data; boundary=${long}`, payload: form(long), reason: /boundary/ },
        {
          type: 'multipart/form-data; boundary=b',
          payload: form('b').slice(0, 400),
          reason: /ends inside|terminated/,
        },
      ];
      for (const { type, payload, reason } of cases) {
        const response = await app.inject({
          method: 'POST',
          url: UPLOAD_URL,
          headers: { ...adminAuth, 'content-type': type },
          payload,
        });
        assert.match(String(assertErrorEnvelope(response, 400, 'INVALID_REQUEST').message), reason);
      }
      assert.deepEqual(await stored(), []);
      assert.deepEqual(await buildRows(app), []);
      const seventy = 'b'.repeat(70);
      const accepted = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        headers: { ...adminAuth, 'content-type': `multipart/form-data; boundary="${seventy}"` },
        payload: form(seventy),
      });
      assert.equal(accepted.statusCode, 201, 'a quoted boundary of 70 characters is a boundary');
    });

    it('form fields and file names follow the text rule of every field', async (t) => {
      const { app, stored } = await artifactTestApp(t, storageCase);
      await trackly(app);
      for (const [fields, fileName, field] of [
        [{ platform: 'linux', architecture: 'x64', signature: 'sig\u0000' }, 'a.bin', 'signature'],
        [{ platform: 'linux', architecture: 'x64', id: 'a\u001b[2J' }, 'a.bin', 'id'],
        [{ platform: 'linux', architecture: 'x64', min_os_version: '1\u0085' }, 'a.bin', 'min_os_version'],
        [{ platform: 'linux', architecture: 'x64' }, 'a\u007f.bin', 'file'],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: UPLOAD_URL,
          ...multipart(fields, content, fileName),
        });
        const error = assertErrorEnvelope(response, 400, 'INVALID_REQUEST');
        assert.equal((error.details as { fields: { field: string }[] }).fields[0]?.field, field);
        assert.match(String(error.message), /control characters/);
      }
      const tabbed = await app.inject({
        method: 'POST',
        url: UPLOAD_URL,
        ...multipart({ platform: 'linux', architecture: 'x64', signature: 'line one\nline\ttwo' }, content),
      });
      assert.equal(tabbed.statusCode, 201, 'tabs and line breaks are text');
      assert.equal((await buildRows(app)).length, 1);
      assert.equal((await stored()).length, 1);
    });

    it('other routes still refuse multipart bodies with 415', async (t) => {
      const { app } = await artifactTestApp(t, storageCase);
      const response = await app.inject({
        method: 'POST',
        url: '/admin/projects',
        ...multipart({ id: 'x' }, content),
      });
      assertErrorEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });
}
