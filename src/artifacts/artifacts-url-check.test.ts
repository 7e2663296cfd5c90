import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeNetworkError } from './artifacts-url-check.js';

describe('describeNetworkError', () => {
  it('names the phase of undici timeouts and the configured limit', () => {
    const error = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.equal(describeNetworkError(error, 200), 'timed out waiting for the answer (after 200 ms)');
    const connect = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    assert.equal(describeNetworkError(connect, 5000), 'timed out connecting (after 5000 ms)');
  });

  it("keeps Node's own messages, which already name the code and the host", () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND cdn.example.com'), { code: 'ENOTFOUND' });
    assert.equal(describeNetworkError(dns, 1), 'getaddrinfo ENOTFOUND cdn.example.com');
  });

  it('adds the code when the message lacks it, and falls back to the code for empty messages', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    assert.equal(describeNetworkError(reset, 1), 'other side closed (UND_ERR_SOCKET)');
    // Connecting to several addresses fails with an AggregateError: a code, an empty message.
    const several = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    assert.equal(describeNetworkError(several, 1), 'ECONNREFUSED');
    assert.equal(describeNetworkError('plain', 1), 'plain');
  });
});
