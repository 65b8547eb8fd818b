import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'x-agentry-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-agentry-timestamp';
/** A signed request older (or newer) than this is refused: it may be a replay. */
export const WEBHOOK_MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** `sha256=<hex>` of HMAC-SHA256 over `{timestamp}.{raw body}` (docs/channels.md). */
export const webhookSignature = (secret: string, timestampSeconds: number, rawBody: string) =>
  `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;

/** The headers that sign `rawBody` now, for Agentry's outbound webhooks and their senders' tests. */
export function webhookSignatureHeaders(secret: string, rawBody: string, nowMs = Date.now()) {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, timestamp, rawBody),
  };
}

/** Whether the request was signed with `secret` over exactly these bytes, recently enough. */
export function isValidWebhookSignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowMs = Date.now(),
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > WEBHOOK_MAX_CLOCK_SKEW_SECONDS) return false;
  const expected = Buffer.from(webhookSignature(secret, Number(timestamp), rawBody));
  const received = Buffer.from(signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
