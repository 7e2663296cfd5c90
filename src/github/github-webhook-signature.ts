import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks GitHub's `X-Hub-Signature-256: sha256=<hex>` — an HMAC-SHA256 of the raw request body
 * with the webhook secret — in constant time. Anything missing or malformed is simply not valid.
 */
export function verifyWebhookSignature(
  secret: string | undefined,
  rawBody: Buffer,
  header: string | string[] | undefined,
): boolean {
  if (secret === undefined || secret === '' || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/** The header GitHub would send for this body (tests and tooling). */
export function webhookSignature(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
