/**
 * `ArtifactStorage` in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Backblaze B2…) through
 * the AWS SDK v3. An upload streams into a multipart upload under its final key (lib-storage, a few
 * parts in flight: memory stays flat whatever the size). S3 shows an object only once its upload
 * completes, so the stream's end is held back until `commit`, which completes it (the last part, or
 * the one PUT of a small file, goes then); `discard` fails the stream instead, and the multipart
 * upload is aborted before it resolves: no object and no parts are left. Downloads go straight to
 * the bucket: a presigned GET that names the file, or the public base URL of a CDN in front of it.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable, Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3StorageConfig } from '../config.js';
import { contentDisposition } from './artifacts-http-ranges.js';
import {
  type BucketTarget,
  isMissingObject,
  OBJECT_STORAGE_CODES,
  objectStorageError,
} from './artifacts-s3-errors.js';
import {
  type ArtifactStorage,
  assertArtifactKey,
  type ByteRange,
  isArtifactKey,
  type StagedArtifact,
} from './artifacts-storage.js';

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/**
 * Parts uploaded at once. Memory is about twice this many parts (lib-storage gathers the next part
 * while these are sent, and copies each once): with the test suite running beside it, a 200 MB
 * upload grew the server's RSS by 67 MB with 3, by 54 MB with 2 (39 MB alone).
 */
const PARTS_IN_FLIGHT = 2;
/** Where the startup check writes (and removes) its probe object. */
const PROBE_DIRECTORY = '.lunarbit-write-check/';

/**
 * The client users' servers expect; shared by the storage and the tests. No request waits forever
 * for a stalled endpoint: the SDK's own handler has no timeouts unless given, so a bucket that
 * accepts connections and never answers would hold the startup check, an upload or a verification
 * indefinitely. Each request (each part of an upload is one) must be answered within
 * `requestTimeoutMs`, a body must not stall for as long, and a connection must be made within
 * `connectTimeoutMs`.
 */
export function createS3Client(config: S3StorageConfig): S3Client {
  return new S3Client({
    region: config.region,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.connectTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
      socketTimeout: config.requestTimeoutMs,
    }),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // The SDK's default CRC32 checksum headers are refused by several S3-compatible servers (B2,
    // older MinIO and R2); the gateway computes and checks its own SHA-256 of every file anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Parts big enough that the largest accepted upload fits in S3's 10,000 parts. */
export function partSizeFor(maxUploadBytes: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(maxUploadBytes / MAX_PARTS));
}

export function createS3ArtifactStorage(deps: {
  config: S3StorageConfig;
  client: S3Client;
  maxUploadBytes: number;
  /** Lifetime of presigned download links, seconds. */
  linkTtlSeconds: number;
}): ArtifactStorage {
  const { config, client } = deps;
  const Bucket = config.bucket;
  const target: BucketTarget = {
    bucket: Bucket,
    endpoint: config.endpoint ?? `AWS S3 (${config.region})`,
    timeouts: { requestMs: config.requestTimeoutMs, connectMs: config.connectTimeoutMs },
  };
  const objectKey = (key: string) => `${config.prefix}${assertArtifactKey(key)}`;
  const partSize = partSizeFor(deps.maxUploadBytes);

  /** Runs one S3 request; a bucket-wide failure becomes an error naming it. */
  async function send<T>(doing: string, request: () => Promise<T>, bucketRequest = false): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw objectStorageError(error, target, doing, bucketRequest);
    }
  }
  const headBucket = () =>
    send('checking the bucket', () => client.send(new HeadBucketCommand({ Bucket })), true);

  async function stage(key: string): Promise<StagedArtifact> {
    const body = new PassThrough();
    const upload = new Upload({
      client,
      params: { Bucket, Key: objectKey(key), Body: body, ContentType: 'application/octet-stream' },
      partSize,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    // Bucket failures while parts are sent fail the upload's stream at once (503 to the client).
    const done = upload.done().catch((error: unknown) => {
      const failure = objectStorageError(error, target, 'uploading');
      sink.destroy(failure as Error);
      throw failure;
    });
    done.catch(() => {});
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (body.write(chunk)) callback();
        else body.once('drain', () => callback());
      },
      // The end is held back: ending `body` would complete the upload before the file is accepted.
      final(callback) {
        callback();
      },
    });
    let settled = false;
    return {
      sink,
      async flush() {},
      async commit() {
        settled = true;
        body.end();
        await done;
      },
      async discard() {
        if (settled) return;
        settled = true;
        sink.destroy();
        // A failed body makes lib-storage abort the multipart upload before `done` settles.
        body.destroy(new Error('upload discarded'));
        await done.catch(() => {});
      },
    };
  }

  return {
    kind: 's3',
    sharedStaging: true,
    stage,

    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }));
        return { size: Number(head.ContentLength ?? 0), modifiedAt: head.LastModified?.getTime() ?? 0 };
      } catch (error) {
        if (isMissingObject(error)) return undefined;
        throw objectStorageError(error, target, 'reading a file');
      }
    },

    read(key: string, range?: ByteRange): Readable {
      const out = new PassThrough();
      const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
      const fail = (error: unknown) => {
        const gone = isMissingObject(error)
          ? Object.assign(new Error(`No stored file under ${key}`), { code: 'ENOENT', cause: error })
          : objectStorageError(error, target, 'reading a file');
        out.destroy(gone as Error);
      };
      client
        .send(new GetObjectCommand({ Bucket, Key: objectKey(key), Range }), {
          abortSignal: abortOnClose(out),
        })
        .then((answer) => {
          // Not `pipeline`: it would fail `out` with the body's own error (a stalled bucket's
          // TimeoutError) before that error could be named.
          const body = answer.Body as Readable;
          body.once('error', fail);
          out.once('close', () => body.destroy());
          body.pipe(out);
        }, fail);
      return out;
    },

    async delete(key) {
      await send('removing a file', () =>
        client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) })),
      );
    },

    async *list() {
      let ContinuationToken: string | undefined;
      do {
        const page = await send('listing files', () =>
          client.send(new ListObjectsV2Command({ Bucket, Prefix: config.prefix, ContinuationToken })),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(config.prefix.length) ?? '';
          if (isArtifactKey(key)) yield { key, modifiedAt: object.LastModified?.getTime() ?? 0 };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    },

    async removeStaleStaging(modifiedBeforeMs) {
      let removed = 0;
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      do {
        let page: ListMultipartUploadsCommandOutput;
        try {
          page = await client.send(
            new ListMultipartUploadsCommand({ Bucket, Prefix: config.prefix, KeyMarker, UploadIdMarker }),
          );
        } catch (error) {
          // Some S3-compatible servers cannot list unfinished uploads; their own lifecycle rules apply.
          if (isNotImplemented(error)) return removed;
          throw objectStorageError(error, target, 'listing unfinished uploads');
        }
        for (const upload of page.Uploads ?? []) {
          if ((upload.Initiated?.getTime() ?? 0) >= modifiedBeforeMs) continue;
          await send('aborting an unfinished upload', () =>
            client.send(
              new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }),
            ),
          );
          removed += 1;
        }
        KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (KeyMarker !== undefined);
      return removed;
    },

    async directLink(key, fileName) {
      if (config.publicBaseUrl !== undefined) {
        return `${config.publicBaseUrl}/${objectKey(key).split('/').map(encodeURIComponent).join('/')}`;
      }
      const command = new GetObjectCommand({
        Bucket,
        Key: objectKey(key),
        ResponseContentDisposition: contentDisposition(fileName),
        ResponseContentType: 'application/octet-stream',
      });
      return getSignedUrl(client, command, { expiresIn: deps.linkTtlSeconds });
    },

    async checkWritable() {
      await headBucket();
      const probe = `${config.prefix}${PROBE_DIRECTORY}${randomUUID()}`;
      await send('writing a test object', () =>
        client.send(new PutObjectCommand({ Bucket, Key: probe, Body: 'lunarbit write check' })),
      );
      await send('removing the test object', () =>
        client.send(new DeleteObjectCommand({ Bucket, Key: probe })),
      );
    },

    /** Bounded as a whole, retries included: `/health` answers load balancers that wait only seconds. */
    async ping(timeoutMs = 2_000) {
      const abortSignal = AbortSignal.timeout(timeoutMs);
      try {
        await client.send(new HeadBucketCommand({ Bucket }), { abortSignal });
      } catch (error) {
        if (!abortSignal.aborted) throw objectStorageError(error, target, 'checking the bucket', true);
        throw Object.assign(
          new Error(
            `Artifact storage: checking the bucket: ${target.endpoint} did not answer within ${timeoutMs} ms`,
            {
              cause: error,
            },
          ),
          { code: OBJECT_STORAGE_CODES.unreachable },
        );
      }
    },
  };
}

function isNotImplemented(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotImplemented' || e.$metadata?.httpStatusCode === 501;
}

/** Stops the S3 request when the reader goes away (a download cancelled mid-way). */
function abortOnClose(stream: PassThrough): AbortSignal {
  const controller = new AbortController();
  stream.once('close', () => controller.abort());
  return controller.signal;
}
