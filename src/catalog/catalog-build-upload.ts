/**
 * The multipart side of a build upload: the text fields arrive first and are checked before any
 * byte of the file part is read; the file part's stream then goes to the artifacts domain's storage.
 * A refusal while the client may still be sending is answered with `Connection: close`, which stops
 * it instead of draining the rest.
 */
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import '@fastify/multipart';
import { SizeLimitExceeded } from '../artifacts/artifacts-digests.js';
import { AppError } from '../errors.js';
import { storageUnavailable } from '../infra/storage-health.js';
import {
  MAX_FIELD_BYTES,
  misplacedPart,
  parseUploadForm,
  UPLOAD_FIELDS,
  type UploadForm,
} from './catalog-upload-form.js';

/** Room for the text fields and part headers around the file in `Content-Length`. */
const FORM_OVERHEAD_BYTES = UPLOAD_FIELDS.length * MAX_FIELD_BYTES + 64 * 1024;
const CLOSE = { connection: 'close' };

function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file exceeds the upload limit of ${limit} bytes`, {
    max_upload_size: limit,
  });
}

/** 413 at once when the declared length is beyond what a form with a file of `limit` bytes takes. */
export function refuseDeclaredLength(request: FastifyRequest, limit: number): void {
  const declared = Number(request.headers['content-length']);
  if (declared > limit + FORM_OVERHEAD_BYTES) throw closingError(tooLarge(limit), limit);
}

/** The error an upload failed with as it is answered: named, and with `Connection: close`. */
export function closingError(error: unknown, limit: number): unknown {
  const code = (error as { code?: string }).code;
  if (error instanceof SizeLimitExceeded || code === 'FST_REQ_FILE_TOO_LARGE') error = tooLarge(limit);
  else if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_FILES_LIMIT') {
    error = misplacedPart('the form has more parts than a build upload takes');
  }
  // A full disk or read-only storage: 503 with Retry-After (the original error is its cause, logged).
  error = storageUnavailable(error) ?? error;
  if (!(error instanceof AppError)) return error;
  return new AppError(error.code, error.message, error.details, {
    headers: { ...error.headers, ...CLOSE },
    cause: error,
  });
}

/**
 * Reads the form of `request` up to its file part and hands the checked fields and the file's
 * stream to `receive`. `end`, called once the file was read, resolves when the form ends there and
 * fails when another part follows.
 */
export async function readBuildUpload<T>(
  request: FastifyRequest,
  maxUploadBytes: number,
  receive: (form: UploadForm, file: Readable, end: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const fields: Record<string, string> = {};
  const parts = request
    .parts({
      limits: {
        fields: UPLOAD_FIELDS.length,
        fieldSize: MAX_FIELD_BYTES,
        files: 1,
        // One byte more than allowed, so that the digest stream sees an oversized file and refuses it.
        fileSize: maxUploadBytes + 1,
      },
    })
    [Symbol.asyncIterator]();
  try {
    for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
      const part = next.value;
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file')
        throw misplacedPart(`is expected as the part named 'file', not '${part.fieldname}'`);
      return await receive(parseUploadForm(fields, part.filename), part.file, async () => {
        if ((await parts.next()).done !== true) throw misplacedPart('must be the last part of the form');
      });
    }
  } finally {
    await parts.return?.(undefined);
  }
  throw misplacedPart('is missing: send the build as the part named `file`');
}
