import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { SECURITY_HEADERS } from '../../src/http/security-headers.js';

/** Every response, success or error, carries the security headers and a request id. */
export function assertSecurityHeaders(response: LightMyRequestResponse, except: string[] = []): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (except.includes(name)) continue;
    assert.equal(response.headers[name], value, `header ${name} on ${response.statusCode}`);
  }
  assert.match(String(response.headers['x-request-id']), /^\S+$/);
}

/** The response is the error envelope with this status and code, and its request id matches the header. */
export function assertErrorEnvelope(response: LightMyRequestResponse, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json() as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(body.error.request_id, response.headers['x-request-id']);
  assert.match(String(body.error.documentation_url), new RegExp(`/docs/errors#${code}$`));
  assertSecurityHeaders(response);
  return body.error;
}
