import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isValidWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  webhookSignatureHeaders,
} from '../src/modules/channels/webhook-signature.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { as, createAgent, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { type TracedProcess, traceToCollector } from './support/traced-process.ts';

/**
 * Webhook channels over HTTP: channel CRUD (secrets never returned), signed inbound requests that
 * become tasks once per delivery id, and each task's result POSTed once, signed, to the channel's
 * outbound URL, retried through a failing receiver, carrying the correlation id and, when the
 * process traces, the trace of the inbound request. Slack and email are in their own files.
 */
const SECRET = 'whsec-inbound-0123456789abcdef';
const OUTBOUND_SECRET = 'whsec-outbound-0123456789abcdef';

interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver of Agentry's outbound webhooks that can fail its next N deliveries with 503. */
async function startReceiver() {
  const deliveries: Delivery[] = [];
  let failNext = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        response.writeHead(503).end();
        return;
      }
      deliveries.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/agentry`,
    deliveries,
    failNextDeliveries: (count: number) => {
      failNext = count;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let stranger: TestAccount;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1', TASK_RETRY_BASE_DELAY_MS: '10' });
  owner = await registerAccount(app.http, 'Owner');
  member = await addMember(app.http, owner, 'agent_user');
  stranger = await registerAccount(app.http, 'Stranger');
  receiver = await startReceiver();
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

async function createWebhookChannel(agentId: string, name: string, outbound = true) {
  const response = await app.http.post(
    '/api/v1/channels',
    {
      name,
      kind: 'webhook',
      agent_id: agentId,
      task_priority: 2,
      settings: outbound ? { outbound_url: receiver.url } : {},
      credentials: { signing_secret: SECRET, outbound_secret: OUTBOUND_SECRET },
    },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** POSTs `body` to the channel's inbound URL, signed with `secret` at `nowMs`, with `headers` too. */
function sendSigned(
  inboundUrl: string,
  body: unknown,
  secret = SECRET,
  nowMs = Date.now(),
  headers: Record<string, string> = {},
) {
  const raw = JSON.stringify(body);
  return fetch(`${app.url}${inboundUrl}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...headers,
      ...webhookSignatureHeaders(secret, raw, nowMs),
    },
    body: raw,
  });
}

/** The delivery of `taskId`'s result, once it arrived (exactly once). */
async function deliveryOf(taskId: string): Promise<Delivery> {
  await expect
    .poll(() => receiver.deliveries.filter((d) => d.body.includes(taskId)).length, { timeout: 10_000 })
    .toBe(1);
  return receiver.deliveries.find((d) => d.body.includes(taskId)) as Delivery;
}

describe('channels', () => {
  it('are created, read, listed, changed and deleted by agent admins; secrets are stored, never shown', async () => {
    const agentId = await createAgent(app.http, owner);
    const channel = await createWebhookChannel(agentId, 'Ticket hook');
    expect(channel).toMatchObject({
      kind: 'webhook',
      agent_id: agentId,
      enabled: true,
      task_priority: 2,
      settings: { outbound_url: receiver.url, timeout_ms: 10_000 },
      credentials_set: ['outbound_secret', 'signing_secret'],
      inbound_url: `/api/v1/channels/${channel.id}/inbound`,
      inbound_address: null,
    });
    expect(JSON.stringify(channel)).not.toContain(SECRET);

    const listed = await app.http.get(`/api/v1/channels?agent_id=${agentId}`, as(owner));
    expect(listed.headers.get('x-total-count')).toBe('1');
    expect(listed.body).toEqual([channel]);
    const changed = await app.http.patch(
      `/api/v1/channels/${channel.id}`,
      { enabled: false, name: 'Renamed' },
      as(owner),
    );
    expect(changed.body).toMatchObject({
      enabled: false,
      name: 'Renamed',
      credentials_set: ['outbound_secret', 'signing_secret'],
    });
    expect(
      JSON.stringify((await app.http.get(`/api/v1/channels/${channel.id}`, as(owner))).body),
    ).not.toContain(SECRET);

    // A disabled channel takes nothing in (and does not say whether it exists).
    expect((await sendSigned(channel.inbound_url, { message: 'hello' })).status).toBe(404);

    expectError(await app.http.get(`/api/v1/channels/${channel.id}`, as(member)), 403, 'authorization_error');
    expectError(
      await app.http.get(`/api/v1/channels/${channel.id}`, as(stranger)),
      403,
      'authorization_error',
    );
    expect((await app.http.delete(`/api/v1/channels/${channel.id}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/channels/${channel.id}`, as(owner)), 404, 'not_found');
  });

  it('refuse invalid settings and secrets with 422 naming the field, a taken name with 409, and lose nothing', async () => {
    const agentId = await createAgent(app.http, owner);
    const base = { kind: 'webhook', agent_id: agentId, credentials: { signing_secret: SECRET } };
    const badUrl = await app.http.post(
      '/api/v1/channels',
      { ...base, name: 'x', settings: { outbound_url: 'ftp://host' } },
      as(owner),
    );
    expectError(badUrl, 422, 'validation_error');
    expect(JSON.stringify(badUrl.body)).toContain('settings.outbound_url');
    const shortSecret = await app.http.post(
      '/api/v1/channels',
      { ...base, name: 'x', credentials: { signing_secret: 'short' } },
      as(owner),
    );
    expectError(shortSecret, 422, 'validation_error');
    expect(JSON.stringify(shortSecret.body)).toContain('credentials.signing_secret');
    // The outbound guard: an address that may not be contacted is refused when written.
    expectError(
      await app.http.post(
        '/api/v1/channels',
        { ...base, name: 'x', settings: { outbound_url: 'http://10.0.0.1/hook' } },
        as(owner),
      ),
      400,
      'outbound_url_blocked',
    );
    await createWebhookChannel(agentId, 'Taken');
    expectError(
      await app.http.post('/api/v1/channels', { ...base, name: 'Taken' }, as(owner)),
      409,
      'channel_name_taken',
    );
    const foreignAgent = await createAgent(app.http, stranger);
    expectError(
      await app.http.post('/api/v1/channels', { ...base, name: 'y', agent_id: foreignAgent }, as(owner)),
      403,
      'authorization_error',
    );
    const listed = await app.http.get(`/api/v1/channels?agent_id=${agentId}`, as(owner));
    expect(listed.body.map((channel: { name: string }) => channel.name)).toEqual(['Taken']);
  });
});

describe('a webhook channel', () => {
  it('turns a signed request into a task once per delivery id, and posts its result once, signed', async () => {
    const agentId = await createAgent(app.http, owner);
    const channel = await createWebhookChannel(agentId, 'Orders');
    const first = await sendSigned(channel.inbound_url, {
      id: 'delivery-1',
      message: 'Summarize order 4411',
      data: { order: 4411 },
    });
    expect(first.status).toBe(202);
    const { task_id: taskId, created } = (await first.json()) as { task_id: string; created: boolean };
    expect(created).toBe(true);
    // The sender's retry of the same delivery creates nothing.
    const again = await sendSigned(channel.inbound_url, {
      id: 'delivery-1',
      message: 'Summarize order 4411',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ task_id: taskId, created: false });

    const task = await waitForTask(app.http, owner.token, agentId, taskId, ['completed']);
    expect(task).toMatchObject({
      task_type: 'webhook',
      source: 'webhook',
      priority: 2,
      task_data: { message: 'Summarize order 4411', data: { order: 4411 }, delivery_id: 'delivery-1' },
    });
    const delivery = await deliveryOf(taskId);
    expect(
      isValidWebhookSignature(
        OUTBOUND_SECRET,
        {
          signature: delivery.headers[WEBHOOK_SIGNATURE_HEADER] as string,
          timestamp: delivery.headers[WEBHOOK_TIMESTAMP_HEADER] as string,
        },
        delivery.body,
      ),
    ).toBe(true);
    expect(delivery.headers['idempotency-key']).toBe(`task:${taskId}:reply`);
    // The correlation id of the inbound request that made the task; no trace, as this process does not trace.
    expect(delivery.headers['x-request-id']).toBe(first.headers.get('x-request-id'));
    expect(delivery.headers.traceparent).toBeUndefined();
    expect(JSON.parse(delivery.body)).toMatchObject({
      event: 'task.completed',
      task_id: taskId,
      agent_id: agentId,
      channel_id: channel.id,
      status: 'completed',
      answer: task.result.answer,
    });
    // The reply is the task's last step.
    await expect
      .poll(
        async () =>
          (await app.http.get(`/api/v1/agents/${agentId}/actions?task_id=${taskId}`, as(owner))).body[0],
      )
      .toMatchObject({
        action_type: 'message_sent',
        success: true,
        result_data: { external_id: '204', attempts: 1 },
      });
  });

  it('retries a result the receiver refused with 503, and it arrives exactly once', async () => {
    const agentId = await createAgent(app.http, owner);
    const channel = await createWebhookChannel(agentId, 'Flaky receiver');
    receiver.failNextDeliveries(1);
    const response = await sendSigned(channel.inbound_url, { id: 'flaky-1', message: 'Ping' });
    const { task_id: taskId } = (await response.json()) as { task_id: string };
    await expect
      .poll(
        async () =>
          (await app.http.get(`/api/v1/agents/${agentId}/actions?task_id=${taskId}`, as(owner))).body[0],
        {
          timeout: 20_000,
        },
      )
      .toMatchObject({ action_type: 'message_sent', success: true, result_data: { attempts: 2 } });
    expect(receiver.deliveries.filter((d) => d.body.includes(taskId))).toHaveLength(1);
  });

  it('refuses unsigned, wrongly signed, stale and malformed requests, and creates nothing', async () => {
    const agentId = await createAgent(app.http, owner);
    const channel = await createWebhookChannel(agentId, 'Guarded', false);
    const unsigned = await fetch(`${app.url}${channel.inbound_url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi' }),
    });
    expect(unsigned.status).toBe(401);
    expect((await sendSigned(channel.inbound_url, { message: 'hi' }, 'wrong-secret-0123456789')).status).toBe(
      401,
    );
    expect(
      (await sendSigned(channel.inbound_url, { message: 'hi' }, SECRET, Date.now() - 10 * 60_000)).status,
    ).toBe(401);
    expect((await sendSigned(channel.inbound_url, { message: '' })).status).toBe(422);
    const broken = '{"message": ';
    const malformed = await fetch(`${app.url}${channel.inbound_url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(SECRET, broken) },
      body: broken,
    });
    expect(malformed.status).toBe(400);
    const tasks = await app.http.get(`/api/v1/agents/${agentId}/tasks`, as(owner));
    expect(tasks.body).toEqual([]);
    // A channel without an outbound URL still answers its tasks through the API, and sends nothing.
    const accepted = await sendSigned(channel.inbound_url, { message: 'No reply expected' });
    const { task_id: taskId } = (await accepted.json()) as { task_id: string };
    await waitForTask(app.http, owner.token, agentId, taskId, ['completed']);
    const actions = (await app.http.get(`/api/v1/agents/${agentId}/actions?task_id=${taskId}`, as(owner)))
      .body;
    expect(actions.map((action: { action_type: string }) => action.action_type)).not.toContain(
      'message_sent',
    );
  });
});

describe('a webhook delivery, when the process traces', () => {
  let traced: TracedProcess;
  beforeAll(async () => {
    traced = await traceToCollector('agentry-webhooks');
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it('carries the trace of the inbound request that made its task in traceparent, and its correlation id', async () => {
    const agentId = await createAgent(app.http, owner);
    const channel = await createWebhookChannel(agentId, 'Traced orders');
    const traceId = randomBytes(16).toString('hex');
    const senderSpanId = randomBytes(8).toString('hex');
    const accepted = await sendSigned(
      channel.inbound_url,
      { id: 'traced-1', message: 'Trace me' },
      SECRET,
      Date.now(),
      {
        traceparent: `00-${traceId}-${senderSpanId}-01`,
        'x-request-id': 'webhook-trace-1',
      },
    );
    expect(accepted.status).toBe(202);
    const { task_id: taskId } = (await accepted.json()) as { task_id: string };
    const delivery = await deliveryOf(taskId);

    expect(delivery.headers['x-request-id']).toBe('webhook-trace-1');
    const traceparent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(delivery.headers.traceparent));
    expect(traceparent?.[1], String(delivery.headers.traceparent)).toBe(traceId);
    // Its parent is a span of Agentry's (the work sending the delivery), exported in the sender's trace.
    const parentSpanId = traceparent?.[2];
    expect(parentSpanId).not.toBe(senderSpanId);
    const parent = await traced.collector.waitForSpan((span) => span.spanId === parentSpanId);
    expect(parent.traceId).toBe(traceId);
  });
});
