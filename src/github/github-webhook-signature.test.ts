import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextLink } from './github-client.js';
import { verifyWebhookSignature, webhookSignature } from './github-webhook-signature.js';

describe('verifyWebhookSignature', () => {
  const body = Buffer.from('{"action":"published"}');
  // From GitHub's documentation: secret "It's a Secret to Everybody", payload "Hello, World!".
  it('matches the example GitHub documents', () => {
    assert.equal(
      verifyWebhookSignature(
        "It's a Secret to Everybody",
        Buffer.from('Hello, World!'),
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
      true,
    );
  });

  it('refuses wrong, missing and malformed signatures, and an unset secret', () => {
    assert.equal(verifyWebhookSignature('s', body, webhookSignature('s', body)), true);
    assert.equal(verifyWebhookSignature('s', body, webhookSignature('t', body)), false);
    assert.equal(verifyWebhookSignature('s', body, undefined), false);
    assert.equal(verifyWebhookSignature('s', body, ['a', 'b']), false);
    assert.equal(verifyWebhookSignature('s', body, 'sha256=zz'), false);
    assert.equal(verifyWebhookSignature(undefined, body, webhookSignature('', body)), false);
  });
});

describe('nextLink', () => {
  it('reads rel="next" from a Link header', () => {
    const link =
      '<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=3>; rel="last"';
    assert.equal(nextLink(link), 'https://api.github.com/repositories/1/releases?per_page=100&page=2');
    assert.equal(nextLink('<https://x/?page=1>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });
});
