import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describeS3Failure, isMissingObject, objectStorageError } from './artifacts-s3-errors.js';

const target = { bucket: 'releases', endpoint: 'https://s3.example.com' };

/** An error as the SDK raises it for an HTTP answer. */
function answered(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe('describeS3Failure', () => {
  it('names bucket-wide problems: refused credentials, a missing bucket, a server that fails or is not there', () => {
    assert.deepEqual(describeS3Failure(answered('InvalidAccessKeyId', 403), target), {
      fault: 'access_denied',
      problem:
        'the credentials are refused for bucket "releases" at https://s3.example.com (InvalidAccessKeyId)',
    });
    assert.equal(
      describeS3Failure(answered('NoSuchBucket', 404), target)?.problem,
      'bucket "releases" at https://s3.example.com does not exist',
    );
    assert.equal(
      describeS3Failure(answered('NotFound', 404), target, true)?.fault,
      'unreachable',
      'HeadBucket has no body',
    );
    assert.equal(
      describeS3Failure(answered('InternalError', 503), target)?.problem,
      'bucket "releases" at https://s3.example.com answers 503 (InternalError)',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(
      describeS3Failure(refused, target)?.problem,
      'https://s3.example.com cannot be reached (ECONNREFUSED)',
    );
    const timeouts = { ...target, timeouts: { requestMs: 30_000, connectMs: 5_000 } };
    const noConnection = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.',
      ),
      { name: 'TimeoutError' },
    );
    assert.equal(
      describeS3Failure(noConnection, timeouts)?.problem,
      'https://s3.example.com took no connection within 5000 ms (S3_CONNECT_TIMEOUT_MS)',
    );
    const noAnswer = Object.assign(
      new Error('a request has exceeded the configured 30000 ms requestTimeout'),
      {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      },
    );
    assert.deepEqual(describeS3Failure(noAnswer, timeouts), {
      fault: 'unreachable',
      problem: 'https://s3.example.com did not answer within 30000 ms (S3_REQUEST_TIMEOUT_MS)',
    });
    const noCredentials = Object.assign(new Error('Could not load credentials'), {
      name: 'CredentialsProviderError',
    });
    assert.match(describeS3Failure(noCredentials, target)?.problem ?? '', /no S3 credentials were found/);
  });

  it('leaves errors about one object alone', () => {
    const missing = answered('NoSuchKey', 404);
    assert.equal(describeS3Failure(missing, target), undefined);
    assert.equal(
      describeS3Failure(answered('NotFound', 404), target),
      undefined,
      'HeadObject of a missing key',
    );
    assert.equal(objectStorageError(missing, target, 'reading a file'), missing);
    assert.ok(isMissingObject(missing));
    assert.ok(!isMissingObject(answered('AccessDenied', 403)));
  });

  it('wraps bucket-wide failures with a code /health understands and the original as cause', () => {
    const original = answered('AccessDenied', 403);
    const wrapped = objectStorageError(original, target, 'uploading') as Error & { code: string };
    assert.equal(wrapped.code, 'OBJECT_STORAGE_ACCESS_DENIED');
    assert.equal(wrapped.cause, original);
    assert.match(wrapped.message, /^Artifact storage: uploading: the credentials are refused/);
  });
});
