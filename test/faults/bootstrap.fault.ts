import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_MODEL_ID } from '../../src/platform/llm/offline-model.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, runAgentryCommand, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * Bootstrapping a deployment whose registration is closed, with the real commands: `agentry
 * create-admin` founds the first organization, `agentry seed-agents` loads the templates' agents,
 * and a server started afterwards signs the administrator in. Each command is a process of its
 * own on a fresh database (a DATA_DIR with nothing in it, or a fresh PostgreSQL database); they
 * are slow (seconds each), hence a fault-suite file.
 */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;
const password = 'first-admin-password';

beforeAll(async () => {
  environment = await serverEnvironment({ ALLOW_REGISTRATION: 'false' });
  env = environment.env;
});
afterEach(killServerProcesses);
afterAll(async () => {
  await environment.dispose();
});

const labelledValue = (output: string, label: string) =>
  new RegExp(`^${label}: (\\S+)$`, 'm').exec(output)?.[1];
const agentIdsOf = (output: string) =>
  [...output.matchAll(/\(([0-9a-f-]{36})\)$/gm)].map((match) => match[1]);

describe(`bootstrap commands (${testDatabaseKind})`, () => {
  it('create-admin founds the organization once, seed-agents loads the templates once, and the admin signs in', {
    timeout: 180_000,
  }, async () => {
    const passwordFile = join(env.DATA_DIR as string, 'admin-password');
    await writeFile(passwordFile, `${password}\nthe second line is not part of it\n`);
    const created = await runAgentryCommand(
      [
        'create-admin',
        '--email',
        'Admin@Example.com',
        '--password-file',
        passwordFile,
        '--organization',
        'Acme Support',
      ],
      env,
    );
    expect(created.code, created.output).toBe(0);
    const organizationId = labelledValue(created.output, 'organization_id');
    const slug = labelledValue(created.output, 'organization_slug');
    const userId = labelledValue(created.output, 'user_id');
    expect(slug).toMatch(/^acme-support-[a-z0-9]+$/);

    // The same email again (spelled otherwise, a new password from standard input): refused.
    const again = await runAgentryCommand(
      ['create-admin', '--email', 'admin@example.com', '--password-file', '-', '--organization', 'Other'],
      env,
      'another-password\n',
    );
    expect(again.code).toBe(1);
    expect(again.output).toContain('An account with this email already exists (admin@example.com)');
    expect(again.output).toContain('its password neither');
    expect(again.output).not.toMatch(/^\s+at /m);
    const invalid = await runAgentryCommand(
      ['create-admin', '--email', 'not-an-email', '--password', 'short', '--organization', 'X'],
      env,
    );
    expect(invalid.code).toBe(1);
    expect(invalid.output).toContain('--email: ');
    expect(invalid.output).toContain('the password: must be at least 8 characters');

    const seeded = await runAgentryCommand(['seed-agents', '--organization', slug as string], env);
    expect(seeded.code, seeded.output).toBe(0);
    expect(seeded.output).toContain('Created intake: IntakeAgent - Manifestation Coach');
    expect(seeded.output).toContain('Created therapy: TherapyAgent - Hypnotherapist');
    expect(seeded.output).toContain('Created customer-support: Customer Support Agent');
    const reseeded = await runAgentryCommand(
      ['seed-agents', '--organization', organizationId as string],
      env,
    );
    expect(reseeded.code, reseeded.output).toBe(0);
    expect(reseeded.output.match(/^Found existing /gm)).toHaveLength(3);
    expect(agentIdsOf(reseeded.output)).toEqual(agentIdsOf(seeded.output));
    const unknown = await runAgentryCommand(['seed-agents', '--organization', 'no-such-org'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('No organization has the id or slug no-such-org');

    const server = await startServerProcess(env);
    if (testDatabaseKind === 'pglite') {
      // Beside a live server, the embedded database refuses the command, with a message, no stack.
      const refused = await runAgentryCommand(
        ['create-admin', '--email', 'second@example.com', '--password', password, '--organization', 'X'],
        env,
      );
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('agentry create-admin cannot run beside a live server');
      expect(refused.output).toContain(`is in use by another Agentry process (pid ${server.child.pid}`);
      expect(refused.output).not.toMatch(/^\s+at /m);
    }
    const http = createHttpClient(server.url);
    const closed = await http.post('/api/v1/auth/register', {
      email: 'someone@example.com',
      password,
      full_name: 'Someone',
    });
    expect(closed.status).toBe(403);
    const login = await http.post('/api/v1/auth/login', { email: 'admin@example.com', password });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.user).toMatchObject({
      id: userId,
      email: 'admin@example.com',
      full_name: 'Admin User',
      role: 'org_admin',
    });
    expect(login.body.organization).toMatchObject({ id: organizationId, name: 'Acme Support', slug });
    const token = login.body.access_token as string;

    const agents = await http.get('/api/v1/agents', { token });
    expect(agents.body.map((agent: { id: string }) => agent.id).sort()).toEqual(
      agentIdsOf(seeded.output).sort(),
    );
    const intake = agents.body.find((agent: { tags: string[] }) => agent.tags.includes('template:intake'));
    expect(intake).toMatchObject({ kind: 'voice', version: 1, created_by_user_id: null });
    const history = await http.get(`/api/v1/agents/${intake.id}/history`, { token });
    expect(history.body).toEqual([
      expect.objectContaining({
        change_type: 'agent_created',
        changed_by_user_id: null,
        changed_by_api_key_id: null,
        change_reason: 'Created from the intake template (agentry seed-agents)',
      }),
    ]);
    // The command's agent and the route agree on what exists: the route finds it.
    const viaRoute = await http.post('/api/v1/agents/templates/intake', undefined, { token });
    expect([viaRoute.status, viaRoute.body.id]).toEqual([200, intake.id]);

    const turn = await http.post(`/api/v1/agents/${intake.id}/execute`, { message: 'Hello' }, { token });
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(turn.body.metadata).toMatchObject({ model: OFFLINE_MODEL_ID, warnings: [] });
    expect(await server.stop()).toBe(0);
  });
});
