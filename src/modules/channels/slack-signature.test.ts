import { describe, expect, it } from 'vitest';
import {
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  signSlackRequest,
  slackSignatureHeaders,
  verifySlackSignature,
} from './slack-signature.ts';

// The worked example of Slack's "Verifying requests from Slack" guide (a slash command's body).
const slackExample = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

const secret = 'test-signing-secret';
const body = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'héllo ✓' } });
const nowMs = 1_750_000_000_000;

function check(overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) {
  const headers = slackSignatureHeaders(secret, body, nowMs);
  return verifySlackSignature({
    signingSecret: secret,
    signature: headers[SLACK_SIGNATURE_HEADER],
    timestamp: headers[SLACK_TIMESTAMP_HEADER],
    rawBody: body,
    nowMs,
    ...overrides,
  });
}

describe('Slack request signatures (v0)', () => {
  it('signs Slack’s documented example to Slack’s documented signature', () => {
    const { signingSecret, timestamp, rawBody, signature } = slackExample;
    expect(signSlackRequest(signingSecret, timestamp, rawBody)).toBe(signature);
    expect(
      verifySlackSignature({
        signingSecret,
        signature,
        timestamp: String(timestamp),
        rawBody,
        nowMs: timestamp * 1000 + 60_000,
      }),
    ).toEqual({ valid: true });
  });

  it('accepts what it signed, as a string or as the same bytes', () => {
    expect(check()).toEqual({ valid: true });
    expect(check({ rawBody: Buffer.from(body) })).toEqual({ valid: true });
  });

  it('refuses another secret, a changed body, a re-serialized body and a changed timestamp', () => {
    expect(check({ signingSecret: 'another-secret' })).toEqual({ valid: false, reason: 'bad_signature' });
    expect(check({ rawBody: body.replace('héllo', 'hello') })).toEqual({
      valid: false,
      reason: 'bad_signature',
    });
    // Same JSON, other bytes: the signature covers the raw body, not its meaning.
    expect(check({ rawBody: JSON.stringify(JSON.parse(body), null, 1) })).toEqual({
      valid: false,
      reason: 'bad_signature',
    });
    expect(check({ timestamp: String(nowMs / 1000 - 1) })).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('refuses signatures of another form: truncated, upper-case hex, another version', () => {
    const signature = slackSignatureHeaders(secret, body, nowMs)[SLACK_SIGNATURE_HEADER];
    for (const forged of [signature.slice(0, -1), signature.toUpperCase(), signature.replace('v0=', 'v1=')]) {
      expect(check({ signature: forged })).toEqual({ valid: false, reason: 'bad_signature' });
    }
  });

  it('refuses a request without its headers', () => {
    expect(check({ signature: undefined })).toEqual({ valid: false, reason: 'missing_headers' });
    expect(check({ timestamp: '' })).toEqual({ valid: false, reason: 'missing_headers' });
  });

  it('accepts a timestamp up to five minutes off either way, and refuses one further off', () => {
    for (const offsetSeconds of [-300, 300]) {
      const signedAt = nowMs + offsetSeconds * 1000;
      const headers = slackSignatureHeaders(secret, body, signedAt);
      const verdict = verifySlackSignature({
        signingSecret: secret,
        signature: headers[SLACK_SIGNATURE_HEADER],
        timestamp: headers[SLACK_TIMESTAMP_HEADER],
        rawBody: body,
        nowMs,
      });
      expect(verdict, `signed ${offsetSeconds} s from now`).toEqual({ valid: true });
    }
    for (const offsetSeconds of [-301, 301, -86_400]) {
      const signedAt = nowMs + offsetSeconds * 1000;
      const headers = slackSignatureHeaders(secret, body, signedAt);
      const verdict = verifySlackSignature({
        signingSecret: secret,
        signature: headers[SLACK_SIGNATURE_HEADER],
        timestamp: headers[SLACK_TIMESTAMP_HEADER],
        rawBody: body,
        nowMs,
      });
      expect(verdict, `signed ${offsetSeconds} s from now`).toEqual({
        valid: false,
        reason: 'stale_timestamp',
      });
    }
  });

  it('refuses a timestamp that is not a number of seconds', () => {
    for (const timestamp of ['abc', '1.5e9', '-1750000000', String(nowMs)]) {
      expect(check({ timestamp }), timestamp).toEqual({ valid: false, reason: 'stale_timestamp' });
    }
  });
});
