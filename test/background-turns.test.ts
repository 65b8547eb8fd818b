import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentryModule } from '../src/app.ts';
import type { TurnEngine } from '../src/modules/execution/index.ts';
import { backgroundPrincipal } from '../src/modules/tenancy/index.ts';
import { ForbiddenError } from '../src/platform/http/errors.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Work without an HTTP request (a queue job, a channel) runs turns under an explicit background
 * principal: its organization, the user or key it acts for, its trigger, and a role it was given.
 */
let engine: TurnEngine;
const captureEngine: AgentryModule = (_app, { turnEngine }) => {
  engine = turnEngine;
};

let app: TestApp;
let owner: TestAccount;
let stranger: TestAccount;
let agentId: string;

beforeAll(async () => {
  app = await startTestApp({}, 'all', [captureEngine]);
  owner = await registerAccount(app.http, 'Background owner');
  stranger = await registerAccount(app.http, 'Background stranger');
  const agent = await app.http.post('/api/v1/agents', { name: 'Worker' }, { token: owner.token });
  agentId = agent.body.id;
});
afterAll(() => app.close());

const principalFor = (
  account: TestAccount,
  role: 'agent_user' | 'readonly' = 'agent_user',
  trigger = 'task',
) =>
  backgroundPrincipal({
    organizationId: account.organizationId,
    trigger,
    role,
    actingUserId: account.userId,
  });

describe('a turn with no HTTP request', () => {
  it('runs under a background principal and is recorded with its trigger and the user it acts for', async () => {
    const summary = await engine.run({
      principal: principalFor(owner),
      agentId,
      trigger: 'task',
      message: 'Summarize the open tickets',
    });
    expect(summary).toMatchObject({ session_id: null, content: expect.stringContaining('Summarize') });
    const run = await app.http.get(`/api/v1/runs/${summary.run_id}`, { token: owner.token });
    expect(run.body).toMatchObject({
      trigger: 'task',
      status: 'completed',
      created_by_user_id: owner.userId,
      created_by_api_key_id: null,
    });
  });

  it('holds no right its role lacks, reaches no other organization, and runs only its own trigger', async () => {
    await expect(
      engine.run({ principal: principalFor(owner, 'readonly'), agentId, trigger: 'task', message: 'x' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      engine.run({ principal: principalFor(stranger), agentId, trigger: 'task', message: 'x' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      engine.run({
        principal: principalFor(owner, 'agent_user', 'channel'),
        agentId,
        trigger: 'task',
        message: 'x',
      }),
    ).rejects.toThrow('A channel principal cannot run a task turn');
  });
});
