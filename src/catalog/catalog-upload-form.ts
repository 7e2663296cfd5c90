/**
 * The multipart form of a build upload: text fields first, the file last (the fields decide where
 * the file goes and whether it may be stored at all, before any byte of it is read). Fields are
 * checked here by hand because they arrive one by one from the stream, not as a parsed body; the
 * rules match the JSON form of the same route.
 */
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { ARCHITECTURES, type Architecture, PLATFORMS, type Platform } from './catalog-targets.js';

export interface UploadForm {
  id: string;
  platform: Platform;
  architecture: Architecture;
  fileName: string;
  expectedSha256: string | undefined;
  signature: string | undefined;
  minOsVersion: string | undefined;
}

export const UPLOAD_FIELDS = [
  'id',
  'platform',
  'architecture',
  'file_name',
  'sha256',
  'signature',
  'min_os_version',
] as const;
export const MAX_FIELD_BYTES = 16 * 1024;

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Same rule as `min_os_version` of the JSON build body. */
const OS_VERSION = /^[0-9]+(\.[0-9]+){0,3}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const FILE_NAME = /^[^/\\\u0000-\u001f]{1,255}$/;
const SHA256 = /^[0-9a-fA-F]{64}$/;

interface FieldProblem {
  field: string;
  message: string;
}

function invalid(fields: FieldProblem[]): AppError {
  return new AppError(
    'INVALID_REQUEST',
    `Invalid upload form: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`,
    {
      location: 'body',
      fields,
    },
  );
}

/** Validates the fields received before the file part; `partFileName` is the file part's own name. */
export function parseUploadForm(
  fields: Record<string, string>,
  partFileName: string | undefined,
): UploadForm {
  const problems: FieldProblem[] = [];
  for (const name of Object.keys(fields)) {
    if (!(UPLOAD_FIELDS as readonly string[]).includes(name)) {
      problems.push({ field: name, message: 'is not an accepted field' });
    }
  }
  const { platform, architecture } = fields;
  if (!(PLATFORMS as readonly string[]).includes(platform ?? '')) {
    problems.push({ field: 'platform', message: `must be one of ${PLATFORMS.join(', ')}` });
  }
  if (!(ARCHITECTURES as readonly string[]).includes(architecture ?? '')) {
    problems.push({ field: 'architecture', message: `must be one of ${ARCHITECTURES.join(', ')}` });
  }
  const id = fields.id ?? `${platform}-${architecture}`;
  if (fields.id !== undefined && !SLUG.test(fields.id)) {
    problems.push({ field: 'id', message: 'must be a slug ([a-z0-9][a-z0-9-]{0,63})' });
  }
  const fileName = fields.file_name ?? partFileName ?? '';
  if (!FILE_NAME.test(fileName)) {
    problems.push({
      field: 'file_name',
      message: 'must be 1–255 characters without slashes (or name the file part)',
    });
  }
  if (fields.sha256 !== undefined && !SHA256.test(fields.sha256)) {
    problems.push({ field: 'sha256', message: 'must be 64 hexadecimal characters' });
  }
  if (fields.signature !== undefined && (fields.signature.length < 1 || fields.signature.length > 10_000)) {
    problems.push({ field: 'signature', message: 'must be 1–10000 characters' });
  }
  if (fields.min_os_version !== undefined && !OS_VERSION.test(fields.min_os_version)) {
    problems.push({ field: 'min_os_version', message: 'must be a dotted version such as 12.0' });
  }
  if (problems.length > 0) throw invalid(problems);
  return {
    id,
    platform: platform as Platform,
    architecture: architecture as Architecture,
    fileName,
    expectedSha256: fields.sha256?.toLowerCase(),
    signature: fields.signature,
    minOsVersion: fields.min_os_version,
  };
}

export function misplacedPart(message: string): AppError {
  return invalid([{ field: 'file', message }]);
}

/**
 * The form as the OpenAPI document shows it. Validation happens while the parts stream (above), so
 * the route-level validator must accept the unparsed body, which Fastify presents as null.
 */
export const UploadFormSchema = {
  ...Type.Object({
    id: Type.Optional(Type.String({ description: 'Build id; default `<platform>-<architecture>`' })),
    platform: Type.String({ enum: [...PLATFORMS] }),
    architecture: Type.String({ enum: [...ARCHITECTURES] }),
    file_name: Type.Optional(Type.String({ description: 'Default: the file part’s file name' })),
    sha256: Type.Optional(
      Type.String({ description: 'Expected SHA-256 (hex); a mismatch stores nothing and answers 400' }),
    ),
    signature: Type.Optional(Type.String({ description: 'Updater signature (e.g. Tauri, Sparkle)' })),
    min_os_version: Type.Optional(
      Type.String({
        description: 'Lowest OS version the build runs on, e.g. `12.0` (Sparkle’s `minimumSystemVersion`)',
      }),
    ),
    file: Type.String({
      contentMediaType: 'application/octet-stream',
      description: 'The build file: the last part of the form',
    }),
  }),
  type: ['object', 'null'],
  description:
    'An upload: the text fields first, then `file`. The file streams to storage while SHA-256, SHA-512 and MD5 are computed; nothing is stored unless it is complete, within `MAX_UPLOAD_SIZE` and matches `sha256` when given.',
};
