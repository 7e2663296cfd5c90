/**
 * What an S3 failure means for the operator. Errors that say the bucket cannot be used now — the
 * endpoint does not answer or answers 5xx, the bucket does not exist, the credentials are refused —
 * become errors whose `code` `/health` and the upload route understand (503 `STORAGE_UNAVAILABLE`,
 * `artifact_writes: unreachable | access_denied`), with a message that names the problem and never
 * the credentials. Every other error (a missing object, say) is left as it is.
 */

export type ObjectStorageFault = 'unreachable' | 'access_denied';

/** `code` of the errors below, read by infra/storage-health.ts. */
export const OBJECT_STORAGE_CODES: Record<ObjectStorageFault, string> = {
  unreachable: 'OBJECT_STORAGE_UNREACHABLE',
  access_denied: 'OBJECT_STORAGE_ACCESS_DENIED',
};

const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'InvalidToken',
  'ExpiredToken',
  'CredentialsProviderError',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export interface BucketTarget {
  bucket: string;
  /** The configured endpoint, or AWS for the region. */
  endpoint: string;
  /** The client's timeouts, named when one of them ran out. */
  timeouts?: { requestMs: number; connectMs: number };
}

/** What ran out, with the variable that sets it (the SDK's TimeoutError says which in its message). */
function timeoutProblem(error: SdkError, target: BucketTarget): string {
  const connecting = /establish a connection/.test(error.message ?? '');
  const limit = connecting ? target.timeouts?.connectMs : target.timeouts?.requestMs;
  const variable = connecting ? 'S3_CONNECT_TIMEOUT_MS' : 'S3_REQUEST_TIMEOUT_MS';
  const what = connecting ? 'took no connection' : 'did not answer';
  return `${target.endpoint} ${what} within ${limit === undefined ? 'the timeout' : `${limit} ms`} (${variable})`;
}

/** The fault and its description, or undefined for errors that do not concern the bucket as a whole. */
export function describeS3Failure(
  error: unknown,
  target: BucketTarget,
  /** A request on the bucket itself (HeadBucket): a bare 404 means the bucket is missing. */
  bucketRequest = false,
): { fault: ObjectStorageFault; problem: string } | undefined {
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const bucket = `bucket "${target.bucket}" at ${target.endpoint}`;
  if (DENIED.has(name) || status === 403) {
    return {
      fault: 'access_denied',
      problem:
        name === 'CredentialsProviderError'
          ? `no S3 credentials were found (set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or the AWS SDK's own variables)`
          : `the credentials are refused for ${bucket} (${name})`,
    };
  }
  if (name === 'NoSuchBucket' || (bucketRequest && status === 404))
    return { fault: 'unreachable', problem: `${bucket} does not exist` };
  if (name === 'TimeoutError') return { fault: 'unreachable', problem: timeoutProblem(e, target) };
  const network = [e.code, (e as { cause?: SdkError }).cause?.code].find((code) => code && NETWORK.has(code));
  if (network !== undefined) {
    return { fault: 'unreachable', problem: `${target.endpoint} cannot be reached (${network ?? name})` };
  }
  if (status !== undefined && status >= 500) {
    return { fault: 'unreachable', problem: `${bucket} answers ${status} (${name})` };
  }
  return undefined;
}

/** `error` as an error naming the bucket's problem (the original as its cause), or unchanged. */
export function objectStorageError(
  error: unknown,
  target: BucketTarget,
  doing: string,
  bucketRequest = false,
): unknown {
  const failure = describeS3Failure(error, target, bucketRequest);
  if (failure === undefined) return error;
  return Object.assign(new Error(`Artifact storage: ${doing}: ${failure.problem}`, { cause: error }), {
    code: OBJECT_STORAGE_CODES[failure.fault],
  });
}

/** An object that is not there (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isMissingObject(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
