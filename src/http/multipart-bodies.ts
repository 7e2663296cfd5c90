/**
 * Multipart bodies, for the routes that take them (each enables them in its own scope, so that
 * everywhere else they stay 415). The parser (busboy, through @fastify/multipart) reports a body
 * that is not a well-formed form in ways of its own: it throws plain errors for a missing boundary
 * or one longer than it can search for, and for a body that ends inside a file part it emits an
 * error on a file stream nobody may be reading yet and then never ends that stream, so whoever reads
 * it later waits forever. `formParts` turns each of these into 400 `INVALID_REQUEST`, and holds form
 * fields and file names to the text rule every JSON field follows (`input-rules.ts`).
 */
import { PassThrough, type Readable } from 'node:stream';
import { MIMEType } from 'node:util';
import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { isPlainText, PLAIN_TEXT_MESSAGE } from './input-rules.js';

/** RFC 2046: 1–70 characters from a small set, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

export async function enableMultipart(scope: FastifyInstance): Promise<void> {
  await scope.register(multipart);
}

function malformed(reason: string, cause?: unknown): AppError {
  return new AppError(
    'INVALID_REQUEST',
    `The multipart body is malformed: ${reason}`,
    { location: 'body' },
    { cause },
  );
}

function invalidField(field: string, message: string): AppError {
  return new AppError('INVALID_REQUEST', `Invalid form: ${field} ${message}`, {
    location: 'body',
    fields: [{ field, message }],
  });
}

/** The parser's own errors carry no status; those of @fastify/multipart (limits: 413) do. */
function parserError(error: unknown): unknown {
  if (error instanceof AppError || (error as { statusCode?: unknown }).statusCode !== undefined) return error;
  return malformed(error instanceof Error ? error.message : 'unreadable', error);
}

function boundaryOf(contentType: string | undefined): string | undefined {
  try {
    return new MIMEType(contentType ?? '').params.get('boundary') ?? undefined;
  } catch {
    return undefined;
  }
}

/** A form field, or the file part with its content as a stream. */
export type FormPart =
  | { type: 'field'; fieldname: string; value: string }
  | { type: 'file'; fieldname: string; filename: string; file: Readable };

/**
 * The content of a file part as a stream that ends only when the part did and otherwise fails with
 * the 400: when the parser gives up on the form it closes the part's own stream without ending it
 * and without an error a reader could see (reading it then waits forever).
 */
function guarded(file: Readable): Readable {
  // Its reader may come later (after the fields are checked): it finds the error on the stream then.
  const content = new PassThrough().on('error', () => {});
  const cutShort = () => malformed('the body ends inside a file part');
  if (file.destroyed && !file.readableEnded) return content.destroy(cutShort());
  file.once('error', (error) => content.destroy(parserError(error) as Error));
  file.once('close', () => {
    if (!file.readableEnded) content.destroy(cutShort());
  });
  return file.pipe(content);
}

/**
 * The parts of a multipart request (`request.parts(options)`), with the failures above as 400s
 * and fields and file names held to the text rule.
 */
export async function* formParts(
  request: FastifyRequest,
  options: Parameters<FastifyRequest['parts']>[0],
): AsyncGenerator<FormPart> {
  const boundary = boundaryOf(request.headers['content-type']);
  if (boundary === undefined || !BOUNDARY.test(boundary)) {
    throw malformed('Content-Type needs a boundary of 1 to 70 characters (RFC 2046)');
  }
  const parts = request.parts(options);
  while (true) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw parserError(error);
    }
    if (next.done) return;
    const part = next.value;
    if (part.type === 'file') {
      const file = guarded(part.file);
      if (!isPlainText(part.filename)) throw invalidField(part.fieldname, `file name ${PLAIN_TEXT_MESSAGE}`);
      yield { type: 'file', fieldname: part.fieldname, filename: part.filename, file };
      continue;
    }
    const value = String(part.value);
    if (!isPlainText(part.fieldname)) throw invalidField('form', `field names ${PLAIN_TEXT_MESSAGE}`);
    if (!isPlainText(value)) throw invalidField(part.fieldname, PLAIN_TEXT_MESSAGE);
    yield { type: 'field', fieldname: part.fieldname, value };
  }
}
