import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
let admin: TestAccount;
let agentAdmin: TestAccount;
let reader: TestAccount;
let outsider: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  admin = await registerAccount(app.http, 'Project Admin');
  agentAdmin = await addMember(app.http, admin, 'agent_admin');
  reader = await addMember(app.http, admin, 'readonly');
  outsider = await registerAccount(app.http, 'Outsider');
});
afterAll(() => app.close());

const as = (account: { token: string }) => ({ token: account.token });

async function newProject(name = `Project ${randomUUID()}`, body: Record<string, unknown> = {}) {
  const response = await app.http.post('/api/v1/projects', { name, ...body }, as(admin));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; name: string };
}

async function newAgent(body: Record<string, unknown> = {}, account: { token: string } = admin) {
  const response = await app.http.post('/api/v1/agents', { name: 'Project agent', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; project_id: string | null; version: number };
}

const fieldsOf = (response: ApiResponse) =>
  response.body.validation_errors.map((error: { field: string }) => error.field);

describe('projects CRUD', () => {
  it('creates, reads, lists, renames and deletes a project', async () => {
    const created = await app.http.post(
      '/api/v1/projects',
      { name: '  Help center  ', description: 'Public help', metadata: { cost_center: 'CX-12' } },
      as(admin),
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      organization_id: admin.organizationId,
      name: 'Help center',
      description: 'Public help',
      metadata: { cost_center: 'CX-12' },
      created_by_user_id: admin.userId,
      created_by_api_key_id: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id;
    expect((await app.http.get(`/api/v1/projects/${id}`, as(reader))).body).toEqual(created.body);

    const renamed = await app.http.patch(
      `/api/v1/projects/${id}`,
      { name: 'Help center (EU)', description: null, metadata: {} },
      as(admin),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Help center (EU)', description: null, metadata: {} });

    const found = await app.http.get('/api/v1/projects?search=center%20(eu', as(reader));
    expect(found.body.map((project: { id: string }) => project.id)).toEqual([id]);

    expect((await app.http.delete(`/api/v1/projects/${id}`, as(admin))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/projects/${id}`, as(admin)), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/projects/${id}`, as(admin)), 404, 'not_found');
  });

  it('pages the list by name, with the total in X-Total-Count', async () => {
    const organization = await registerAccount(app.http, 'Pager');
    for (const name of ['Charlie', 'Alpha', 'Bravo']) {
      await app.http.post('/api/v1/projects', { name }, as(organization));
    }
    const page = await app.http.get('/api/v1/projects?limit=2&offset=1', as(organization));
    expect(page.body.map((project: { name: string }) => project.name)).toEqual(['Bravo', 'Charlie']);
    expect(page.headers.get('x-total-count')).toBe('3');
  });

  it('keeps names unique within an organization (409), not across organizations', async () => {
    const { name } = await newProject();
    expectError(await app.http.post('/api/v1/projects', { name }, as(admin)), 409, 'project_name_taken');
    const other = await newProject();
    expectError(
      await app.http.patch(`/api/v1/projects/${other.id}`, { name }, as(admin)),
      409,
      'project_name_taken',
    );
    expect((await app.http.get(`/api/v1/projects/${other.id}`, as(admin))).body.name).toBe(other.name);
    expect((await app.http.post('/api/v1/projects', { name }, as(outsider))).status).toBe(201);
  });

  it.each([
    ['no name', {}, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name past 100 characters', { name: 'x'.repeat(101) }, 'name'],
    ['metadata that is no object', { name: 'Valid', metadata: ['not', 'an', 'object'] }, 'metadata'],
    ['metadata past 16 KB', { name: 'Valid', metadata: { blob: 'x'.repeat(17 * 1024) } }, 'metadata'],
    ['an unknown field', { name: 'Valid', colour: 'blue' }, 'colour'],
  ])('rejects %s with 422 naming the field, and creates nothing', async (_label, body, field) => {
    const before = (await app.http.get('/api/v1/projects', as(admin))).headers.get('x-total-count');
    const response = await app.http.post('/api/v1/projects', body, as(admin));
    expectError(response, 422, 'validation_error');
    expect(fieldsOf(response).join(' ')).toContain(field);
    expect((await app.http.get('/api/v1/projects', as(admin))).headers.get('x-total-count')).toBe(before);
  });

  it('lets only an org_admin manage projects; every role reads them; other organizations get 403', async () => {
    const project = await newProject();
    expectError(
      await app.http.post('/api/v1/projects', { name: 'Nope' }, as(agentAdmin)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.patch(`/api/v1/projects/${project.id}`, { name: 'Nope' }, as(agentAdmin)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/projects/${project.id}`, as(agentAdmin)),
      403,
      'authorization_error',
    );
    expect((await app.http.get('/api/v1/projects', as(reader))).status).toBe(200);
    expectError(
      await app.http.get(`/api/v1/projects/${project.id}`, as(outsider)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/projects/${project.id}`, as(outsider)),
      403,
      'authorization_error',
    );
    expectError(await app.http.get(`/api/v1/projects/${randomUUID()}`, as(admin)), 404, 'not_found');
    expect((await app.http.get(`/api/v1/projects/${project.id}`, as(admin))).body.name).toBe(project.name);
  });
});

describe('DELETE /projects/{id}', () => {
  it('refuses while agents, sessions, files or API keys belong to the project, naming them', async () => {
    const project = await newProject();
    const agent = await newAgent({ project_id: project.id });
    const session = await app.http.post('/api/v1/sessions', { agent_id: agent.id }, as(admin));
    const file = await app.http.upload(
      '/api/v1/files',
      { filename: 'notes.txt', content: `Project notes ${randomUUID()}` },
      { project_id: project.id },
      as(admin),
    );
    const key = await app.http.post(
      '/api/v1/api-keys',
      { name: 'project key', project_id: project.id },
      as(admin),
    );
    expect([session.status, file.status, key.status]).toEqual([201, 201, 201]);
    expect(session.body.project_id).toBe(project.id);
    expect(file.body.project_id).toBe(project.id);
    expect(key.body.project_id).toBe(project.id);

    const refused = await app.http.delete(`/api/v1/projects/${project.id}`, as(admin));
    expectError(refused, 409, 'project_not_empty');
    expect(refused.body.details).toEqual({
      still_in_project: { agents: 1, sessions: 1, files: 1, api_keys: 1 },
    });
    expect((await app.http.get(`/api/v1/projects/${project.id}`, as(admin))).status).toBe(200);

    // Deleted agents and sessions and revoked keys do not count.
    await app.http.delete(`/api/v1/sessions/${session.body.id}`, as(admin));
    await app.http.delete(`/api/v1/agents/${agent.id}`, as(admin));
    await app.http.delete(`/api/v1/api-keys/${key.body.id}`, as(admin));
    const stillFile = await app.http.delete(`/api/v1/projects/${project.id}`, as(admin));
    expect(stillFile.body.details).toEqual({ still_in_project: { files: 1 } });
    await app.http.delete(`/api/v1/files/${file.body.id}`, as(admin));
    expect((await app.http.delete(`/api/v1/projects/${project.id}`, as(admin))).status).toBe(204);
    expect((await app.http.get(`/api/v1/projects/${project.id}`, as(admin))).status).toBe(404);
  });
});

describe('resources in projects', () => {
  it('places agents, sessions and files in the project their create names, and filters lists by it', async () => {
    const project = await newProject();
    const inProject = await newAgent({ project_id: project.id });
    const organizationWide = await newAgent();
    expect(inProject.project_id).toBe(project.id);
    expect(organizationWide.project_id).toBeNull();
    expect((await app.http.get(`/api/v1/agents/${inProject.id}`, as(admin))).body.project_id).toBe(
      project.id,
    );

    const session = await app.http.post('/api/v1/sessions', { agent_id: inProject.id }, as(admin));
    const unbound = await app.http.post('/api/v1/sessions', { project_id: project.id }, as(admin));
    const [bulk] = (
      await app.http.post('/api/v1/sessions/bulk-create', [{ agent_id: inProject.id }], as(admin))
    ).body;
    expect([session.body.project_id, unbound.body.project_id, bulk.project_id]).toEqual([
      project.id,
      project.id,
      project.id,
    ]);
    const file = await app.http.upload(
      '/api/v1/files',
      { filename: 'guide.md', content: `# Guide ${randomUUID()}` },
      { project_id: project.id },
      as(admin),
    );

    const agents = await app.http.get(`/api/v1/agents?project_id=${project.id}`, as(admin));
    expect(agents.body.map((agent: { id: string }) => agent.id)).toEqual([inProject.id]);
    expect(agents.headers.get('x-total-count')).toBe('1');
    const sessions = await app.http.get(`/api/v1/sessions?project_id=${project.id}`, as(admin));
    expect(sessions.body.map((item: { id: string }) => item.id).sort()).toEqual(
      [session.body.id, unbound.body.id, bulk.id].sort(),
    );
    const files = await app.http.get(`/api/v1/files?project_id=${project.id}`, as(admin));
    expect(files.body.map((item: { id: string }) => item.id)).toEqual([file.body.id]);
    // Without the filter, the organization-wide caller sees everything.
    const all = await app.http.get('/api/v1/agents?limit=200', as(admin));
    expect(all.body.map((agent: { id: string }) => agent.id)).toEqual(
      expect.arrayContaining([inProject.id, organizationWide.id]),
    );
  });

  it('filters runs, tasks, assignments and API keys by project_id: the agent’s project, the key’s', async () => {
    const [project, other] = [await newProject(), await newProject()];
    const made: Record<
      string,
      { agent: string; run: string; task: string; assignment: string; key: string }
    > = {};
    let otherKey = '';
    for (const [name, projectId] of [
      ['project', project.id],
      ['other', other.id],
      ['organization', null],
    ] as const) {
      const agent = (await newAgent({ project_id: projectId })).id;
      const created = [
        await app.http.post(`/api/v1/agents/${agent}/test`, { prompt: 'Hello' }, as(admin)),
        await app.http.post(`/api/v1/agents/${agent}/tasks`, { task_type: 'filtered_task' }, as(admin)),
        await app.http.post(
          '/api/v1/task-definitions',
          { name: `Definition ${randomUUID()}`, response_schema: { type: 'object' } },
          as(admin),
        ),
        await app.http.post('/api/v1/api-keys', { name: `${name} key`, project_id: projectId }, as(admin)),
      ];
      const [run, task, definition, key] = created;
      const assignment = await app.http.post(
        `/api/v1/agents/${agent}/assignments`,
        { task_definition_id: definition?.body.id },
        as(admin),
      );
      for (const response of [...created, assignment]) {
        expect(response?.status, JSON.stringify(response?.body)).toBeOneOf([200, 201]);
      }
      made[name] = {
        agent,
        run: run?.body.run_id,
        task: task?.body.id,
        assignment: assignment.body.id,
        key: key?.body.id,
      };
      if (name === 'other') otherKey = key?.body.key;
    }
    const listed = async (path: string, token = admin.token) => {
      const response = await app.http.get(path, { token });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { id: string; agent_id?: string }[];
    };
    const ids = (items: { id: string }[]) => items.map((item) => item.id);

    // Runs: those of the project's agents (the tasks' own turns may add runs of the same agent).
    const runs = await listed(`/api/v1/runs?project_id=${project.id}&limit=200`);
    expect(ids(runs)).toContain(made.project?.run);
    expect(new Set(runs.map((run) => run.agent_id))).toEqual(new Set([made.project?.agent]));
    expect(ids(await listed(`/api/v1/tasks?project_id=${project.id}`))).toEqual([made.project?.task]);
    expect(ids(await listed(`/api/v1/assignments?project_id=${project.id}`))).toEqual([
      made.project?.assignment,
    ]);
    expect(ids(await listed(`/api/v1/api-keys?project_id=${project.id}`))).toEqual([made.project?.key]);
    const totals = await app.http.get(`/api/v1/tasks?project_id=${project.id}`, as(admin));
    expect(totals.headers.get('x-total-count')).toBe('1');
    // Without the filter the organization-wide caller sees every project's and the organization's.
    const everyTask = ids(await listed('/api/v1/tasks?limit=200'));
    expect(everyTask).toEqual(
      expect.arrayContaining([made.project?.task, made.other?.task, made.organization?.task]),
    );

    // A key of another project: the filter narrows its own scope, never widens it.
    for (const path of ['/api/v1/runs', '/api/v1/tasks', '/api/v1/assignments', '/api/v1/api-keys']) {
      expect(await listed(`${path}?project_id=${project.id}`, otherKey), path).toEqual([]);
    }
    expect(ids(await listed(`/api/v1/tasks?project_id=${other.id}`, otherKey))).toEqual([made.other?.task]);
    expect(ids(await listed(`/api/v1/api-keys?project_id=${other.id}`, otherKey))).toEqual([made.other?.key]);

    // Rows follow their agent: moved to the project, its runs, tasks and assignments are listed there.
    const moved = await app.http.patch(
      `/api/v1/agents/${made.other?.agent}`,
      { project_id: project.id },
      as(admin),
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(ids(await listed(`/api/v1/runs?project_id=${project.id}&limit=200`))).toContain(made.other?.run);
    expect(ids(await listed(`/api/v1/tasks?project_id=${project.id}`)).sort()).toEqual(
      [made.project?.task, made.other?.task].sort(),
    );
    expect(ids(await listed(`/api/v1/assignments?project_id=${project.id}`)).sort()).toEqual(
      [made.project?.assignment, made.other?.assignment].sort(),
    );
    expect(await listed(`/api/v1/tasks?project_id=${other.id}`)).toEqual([]);
  });

  it('puts a session in its agent’s project and refuses another (422 naming project_id)', async () => {
    const [first, second] = [await newProject(), await newProject()];
    const agent = await newAgent({ project_id: first.id });
    const before = (await app.http.get('/api/v1/sessions', as(admin))).headers.get('x-total-count');
    const refused = await app.http.post(
      '/api/v1/sessions',
      { agent_id: agent.id, project_id: second.id },
      as(admin),
    );
    expectError(refused, 422, 'validation_error');
    expect(fieldsOf(refused)).toEqual(['project_id']);
    const bulk = await app.http.post(
      '/api/v1/sessions/bulk-create',
      [{ agent_id: agent.id }, { agent_id: agent.id, project_id: null }],
      as(admin),
    );
    expectError(bulk, 422, 'validation_error');
    expect((await app.http.get('/api/v1/sessions', as(admin))).headers.get('x-total-count')).toBe(before);
  });

  it('a session its agent’s turn starts is in the agent’s project; one without an agent joins it', async () => {
    const project = await newProject();
    const agent = await newAgent({ project_id: project.id });
    const turn = await app.http.post(`/api/v1/agents/${agent.id}/chat`, { message: 'Hello' }, as(admin));
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    const started = await app.http.get(`/api/v1/sessions/${turn.body.session_id}`, as(admin));
    expect(started.body.project_id).toBe(project.id);

    const unbound = await app.http.post('/api/v1/sessions', {}, as(admin));
    expect(unbound.body.project_id).toBeNull();
    const bound = await app.http.post(
      `/api/v1/agents/${agent.id}/chat`,
      { message: 'Hello', session_id: unbound.body.id },
      as(admin),
    );
    expect(bound.status).toBe(200);
    expect((await app.http.get(`/api/v1/sessions/${unbound.body.id}`, as(admin))).body).toMatchObject({
      agent_id: agent.id,
      project_id: project.id,
    });

    // A session of another project is not bound to the agent.
    const other = await newProject();
    const elsewhere = await app.http.post('/api/v1/sessions', { project_id: other.id }, as(admin));
    const refused = await app.http.post(
      `/api/v1/agents/${agent.id}/chat`,
      { message: 'Hello', session_id: elsewhere.body.id },
      as(admin),
    );
    expectError(refused, 400, 'session_project_mismatch');
    expect((await app.http.get(`/api/v1/sessions/${elsewhere.body.id}`, as(admin))).body).toMatchObject({
      agent_id: null,
      project_id: other.id,
    });
  });

  it.each([
    ['an unknown project', () => randomUUID()],
    [
      'another organization’s project',
      async () => (await app.http.post('/api/v1/projects', { name: 'Theirs' }, as(outsider))).body.id,
    ],
  ])('refuses %s in a create with 422 naming project_id, and creates nothing', async (_label, projectOf) => {
    const project = await projectOf();
    const sizeOf = async (path: string) => {
      const response = await app.http.get(path, as(admin));
      return response.headers.get('x-total-count') ?? String(response.body.length);
    };
    const counts = () =>
      Promise.all(['/api/v1/agents', '/api/v1/sessions', '/api/v1/files', '/api/v1/api-keys'].map(sizeOf));
    const before = await counts();
    for (const response of [
      await app.http.post('/api/v1/agents', { name: 'Lost', project_id: project }, as(admin)),
      await app.http.post('/api/v1/sessions', { project_id: project }, as(admin)),
      await app.http.post('/api/v1/api-keys', { name: 'Lost', project_id: project }, as(admin)),
      await app.http.upload(
        '/api/v1/files',
        { filename: 'lost.txt', content: 'Lost' },
        { project_id: project },
        as(admin),
      ),
    ]) {
      expectError(response, 422, 'validation_error');
      expect(fieldsOf(response)).toEqual(['project_id']);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a malformed project_id with 422', async () => {
    for (const response of [
      await app.http.post('/api/v1/agents', { name: 'Bad', project_id: 'p1' }, as(admin)),
      await app.http.get('/api/v1/agents?project_id=p1', as(admin)),
      await app.http.get('/api/v1/sessions?project_id=p1', as(admin)),
      await app.http.get('/api/v1/files?project_id=p1', as(admin)),
      await app.http.get('/api/v1/runs?project_id=p1', as(admin)),
      await app.http.get('/api/v1/tasks?project_id=p1', as(admin)),
      await app.http.get('/api/v1/assignments?project_id=p1', as(admin)),
      await app.http.get('/api/v1/api-keys?project_id=p1', as(admin)),
      await app.http.upload(
        '/api/v1/files',
        { filename: 'bad.txt', content: 'Bad' },
        { project_id: 'p1' },
        as(admin),
      ),
    ]) {
      expectError(response, 422, 'validation_error');
    }
  });
});

describe('moving an agent to another project', () => {
  it('moves it with its sessions and contexts, records the move in its history and appends no version', async () => {
    const [from, to] = [await newProject(), await newProject()];
    const agent = await newAgent({ project_id: from.id });
    const session = await app.http.post('/api/v1/sessions', { agent_id: agent.id }, as(admin));
    const context = await app.http.post(
      `/api/v1/agents/${agent.id}/contexts`,
      { name: 'handover', data: { step: 1 } },
      as(admin),
    );
    expect(context.body.project_id).toBe(from.id);
    const moved = await app.http.patch(
      `/api/v1/agents/${agent.id}`,
      { project_id: to.id, temperature: 0.2 },
      as(agentAdmin),
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ project_id: to.id, temperature: 0.2, version: 2, warnings: [] });
    expect((await app.http.get(`/api/v1/sessions/${session.body.id}`, as(admin))).body.project_id).toBe(
      to.id,
    );
    expect((await app.http.get(`/api/v1/contexts/${context.body.id}`, as(admin))).body.project_id).toBe(
      to.id,
    );
    // While the agent and its context are in `to`, the project is not empty.
    const refused = await app.http.delete(`/api/v1/projects/${to.id}`, as(admin));
    expectError(refused, 409, 'project_not_empty');
    expect(refused.body.details.still_in_project).toMatchObject({ agents: 1, agent_contexts: 1 });
    const history = await app.http.get(
      `/api/v1/agents/${agent.id}/history?field_filter=project_id`,
      as(admin),
    );
    expect(history.body).toEqual([
      expect.objectContaining({
        change_type: 'project_change',
        old_value: from.id,
        new_value: to.id,
        version: 2,
      }),
    ]);

    const back = await app.http.put(`/api/v1/agents/${agent.id}`, { project_id: null }, as(admin));
    expect(back.body).toMatchObject({ project_id: null, version: 2 });
    expect((await app.http.get(`/api/v1/sessions/${session.body.id}`, as(admin))).body.project_id).toBeNull();
    // The project it left can go now.
    expect((await app.http.delete(`/api/v1/projects/${from.id}`, as(admin))).status).toBe(204);
  });

  it('refuses an unknown project with 422 and applies nothing of the request', async () => {
    const project = await newProject();
    const agent = await newAgent({ project_id: project.id });
    const refused = await app.http.patch(
      `/api/v1/agents/${agent.id}`,
      { project_id: randomUUID(), temperature: 0.1 },
      as(admin),
    );
    expectError(refused, 422, 'validation_error');
    expect(fieldsOf(refused)).toEqual(['project_id']);
    expect((await app.http.get(`/api/v1/agents/${agent.id}`, as(admin))).body).toMatchObject({
      project_id: project.id,
      version: 1,
      temperature: 0.7,
    });
  });
});
