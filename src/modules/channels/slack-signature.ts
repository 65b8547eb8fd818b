import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of Slack's signed requests (lower case, as Node presents them). */
export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** Slack's rule: a request more than five minutes from our clock may be a replay and is refused. */
export const SLACK_MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const VERSION = 'v0';

/** `v0=<hex>`: HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the app's signing secret. */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string | Buffer) {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${VERSION}:${timestampSeconds}:`);
  hmac.update(rawBody);
  return `${VERSION}=${hmac.digest('hex')}`;
}

/** The two headers Slack sends with a body, signed now (or at `nowMs`). */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string | Buffer,
  nowMs = Date.now(),
): Record<typeof SLACK_SIGNATURE_HEADER | typeof SLACK_TIMESTAMP_HEADER, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [SLACK_TIMESTAMP_HEADER]: String(timestamp),
    [SLACK_SIGNATURE_HEADER]: signSlackRequest(signingSecret, timestamp, rawBody),
  };
}

export type SlackSignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

/**
 * Whether a request was signed by the Slack app holding `signingSecret`, over exactly these bytes,
 * within five minutes of `nowMs`. The signature is compared in constant time.
 */
export function verifySlackSignature(request: {
  signingSecret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string | Buffer;
  nowMs?: number;
}): SlackSignatureCheck {
  const { signature, timestamp } = request;
  if (!signature || !timestamp) return { valid: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: 'stale_timestamp' };
  const nowSeconds = Math.floor((request.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_CLOCK_SKEW_SECONDS) {
    return { valid: false, reason: 'stale_timestamp' };
  }
  const expected = Buffer.from(signSlackRequest(request.signingSecret, Number(timestamp), request.rawBody));
  const received = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the secret.
  const matches = expected.length === received.length && timingSafeEqual(expected, received);
  return matches ? { valid: true } : { valid: false, reason: 'bad_signature' };
}
