import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_MODEL_ID } from '../src/platform/llm/offline-model.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The seeds' ready-made agents over HTTP: GET /agents/templates and POST /agents/templates/{name}
 * (the `agentry seed-agents` command is tested with real processes in test/faults/bootstrap.fault.ts).
 */
let app: TestApp;
let owner: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  other = await registerAccount(app.http, 'Other');
});
afterAll(() => app.close());

const as = (account: TestAccount) => ({ token: account.token });
const createFromTemplate = (name: string, account = owner) =>
  app.http.post(`/api/v1/agents/templates/${name}`, undefined, as(account));

/** Seed 001, phase 6.1: the IntakeAgent as the seed writes it, in Agentry's names. */
const seedIntakeAgent = {
  name: 'IntakeAgent - Manifestation Coach',
  kind: 'voice',
  identity: {
    short_description: 'Empathetic intake specialist for hypnotherapy',
    full_description:
      'A warm, supportive intake agent that collects user goals and preferences with compassion',
    character_role: 'Compassionate Intake Guide',
    mission: 'Collect user goals and preferences to create personalized hypnotherapy sessions',
    interaction_style: 'Gentle, encouraging, deeply empathetic, and patient',
  },
  traits: {
    creativity: 60,
    empathy: 95,
    assertiveness: 40,
    humor: 30,
    formality: 30,
    verbosity: 65,
    confidence: 75,
    technicality: 40,
    safety: 90,
  },
  temperature: 0.7,
  max_tokens: 800,
  use_memory_context: true,
  voice: {
    provider: 'elevenlabs',
    voice_id: 'calm-female',
    language: 'en-US',
    speed: 1,
    pitch: 1,
    stability: 0.75,
    similarity_boost: 0.75,
    stt_provider: 'deepgram',
    stt_model: 'nova-2',
    stt_language: 'en',
    vad_enabled: true,
  },
};

describe('GET /api/v1/agents/templates', () => {
  it('lists the three templates to any member, and is not taken for GET /agents/{id}', async () => {
    const reader = await addMember(app.http, owner, 'readonly');
    const response = await app.http.get('/api/v1/agents/templates', as(reader));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const templates = response.body as {
      slug: string;
      name: string;
      configuration: Record<string, unknown>;
    }[];
    expect(templates.map((template) => [template.slug, template.name])).toEqual([
      ['intake', 'IntakeAgent - Manifestation Coach'],
      ['therapy', 'TherapyAgent - Hypnotherapist'],
      ['customer-support', 'Customer Support Agent'],
    ]);
    expect(templates[0]).toMatchObject({
      description: expect.any(String),
      source: expect.stringContaining('001'),
    });
    expect(templates[0]?.configuration).toMatchObject({
      kind: 'voice',
      model: null,
      traits: seedIntakeAgent.traits,
      tags: ['production', 'intake', 'hypnotherapy'],
    });
    // A parametric neighbour still validates its id.
    expectError(await app.http.get('/api/v1/agents/not-a-uuid', as(reader)), 422, 'validation_error');
  });

  it('requires a credential', async () => {
    expect((await app.http.get('/api/v1/agents/templates')).status).toBe(401);
  });
});

describe('POST /api/v1/agents/templates/{name}', () => {
  it('creates seed 001’s IntakeAgent once (201, version 1, history), then answers 200 with the same agent', async () => {
    const created = await createFromTemplate('intake');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      ...seedIntakeAgent,
      model: null,
      provider_id: null,
      tags: ['production', 'intake', 'hypnotherapy', 'template:intake'],
      version: 1,
      status: 'active',
      created_by_user_id: owner.userId,
      warnings: [],
    });
    const history = await app.http.get(`/api/v1/agents/${created.body.id}/history`, as(owner));
    expect(history.body).toEqual([
      expect.objectContaining({
        change_type: 'agent_created',
        changed_by_user_id: owner.userId,
        change_reason: 'Created from the intake template',
        version: 1,
      }),
    ]);

    const again = await createFromTemplate('intake');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ id: created.body.id, version: 1, warnings: [] });
    const listed = await app.http.get('/api/v1/agents?tag=template:intake', as(owner));
    expect(listed.body.map((agent: { id: string }) => agent.id)).toEqual([created.body.id]);
  });

  it('finds the agent by its template tag after a rename, and creates a new one once it was deleted', async () => {
    const first = (await createFromTemplate('therapy')).body;
    expect(first).toMatchObject({
      name: 'TherapyAgent - Hypnotherapist',
      temperature: 0.8,
      max_tokens: 1500,
    });
    expect(first.voice).toMatchObject({ voice_id: 'soothing-male', speed: 0.9, stability: 0.85 });
    await app.http.patch(`/api/v1/agents/${first.id}`, { name: 'Our hypnotherapist' }, as(owner));
    const renamed = await createFromTemplate('therapy');
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: first.id, name: 'Our hypnotherapist', version: 2 });

    expect((await app.http.delete(`/api/v1/agents/${first.id}`, as(owner))).status).toBe(204);
    const recreated = await createFromTemplate('therapy');
    expect(recreated.status).toBe(201);
    expect(recreated.body.id).not.toBe(first.id);
  });

  it('creates seed 000’s configured support agent', async () => {
    const created = await createFromTemplate('customer-support');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Customer Support Agent',
      agent_type: 'customer_support',
      kind: 'conversational',
      role: 'Senior Support Specialist',
      prompt:
        'You are a Senior Support Specialist. Provide excellent customer support with professionalism and empathy.',
      tone: 'professional',
      communication_style: 'formal',
      response_length: 'moderate',
      use_streaming: true,
      model: null,
      tags: ['template:customer-support'],
    });
  });

  it('is idempotent under concurrent requests: 8 at once create one agent, and all name it', async () => {
    const account = await registerAccount(app.http, 'Racing');
    // Two templates at once as well: each has its own lock, and neither blocks the other's agent.
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        createFromTemplate(index % 2 === 0 ? 'intake' : 'therapy', account),
      ),
    );
    for (const slug of ['intake', 'therapy']) {
      const ours = answers.filter((answer) => answer.body.tags?.includes(`template:${slug}`));
      expect(
        ours.map((answer) => answer.status).sort(),
        JSON.stringify(ours.map((answer) => [answer.status, answer.body.id ?? answer.body.code])),
      ).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      const [created] = ours.filter((answer) => answer.status === 201);
      expect(new Set(ours.map((answer) => answer.body.id))).toEqual(new Set([created?.body.id]));
      const history = await app.http.get(`/api/v1/agents/${created?.body.id}/history`, as(account));
      expect(history.body.map((entry: { change_type: string }) => entry.change_type)).toEqual([
        'agent_created',
      ]);
    }
    // One agent per template, however many requests raced: none was made and thrown away.
    const listed = await app.http.get('/api/v1/agents?limit=100', as(account));
    expect(listed.body).toHaveLength(2);
    expect(listed.headers.get('x-total-count')).toBe('2');
  });

  it('answers 404 for an unknown template', async () => {
    expectError(await createFromTemplate('no-such-template'), 404, 'not_found');
  });

  it('needs the permission to create agents', async () => {
    const user = await addMember(app.http, owner, 'agent_user');
    expectError(await createFromTemplate('intake', user), 403, 'authorization_error');
    const admin = await addMember(app.http, owner, 'agent_admin');
    expect((await createFromTemplate('intake', admin)).status).toBe(200);
  });

  it('is scoped to the caller’s organization: another one gets an agent of its own', async () => {
    const ours = (await createFromTemplate('intake')).body;
    const theirs = await createFromTemplate('intake', other);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(ours.id);
    expect(theirs.body.organization_id).toBe(other.organizationId);
    const listed = await app.http.get('/api/v1/agents?tag=template:intake', as(other));
    expect(listed.body.map((agent: { id: string }) => agent.id)).toEqual([theirs.body.id]);
    expectError(await app.http.get(`/api/v1/agents/${ours.id}`, as(other)), 403, 'authorization_error');
    // Theirs did not stand in for ours.
    const oursAgain = await createFromTemplate('intake');
    expect([oursAgain.status, oursAgain.body.id]).toEqual([200, ours.id]);
  });
});

describe('a template’s agent executes', () => {
  it('on the offline model of a fresh server, without a warning about the seed’s gpt-4', async () => {
    const agent = (await createFromTemplate('intake')).body;
    const response = await app.http.post(
      `/api/v1/agents/${agent.id}/execute`,
      { message: 'I would like to feel calmer before exams' },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.metadata).toMatchObject({
      model: OFFLINE_MODEL_ID,
      provider: { id: 'offline', type: 'offline' },
      warnings: [],
    });
  });

  it('on the organization’s default provider once it has one', async () => {
    const account = await registerAccount(app.http, 'With a provider');
    const provider = await app.http.post(
      '/api/v1/providers',
      { name: 'House model', type: 'offline' },
      as(account),
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    const agent = (await createFromTemplate('intake', account)).body;
    const response = await app.http.post(
      `/api/v1/agents/${agent.id}/execute`,
      { message: 'Hello' },
      as(account),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.metadata.provider).toMatchObject({ id: provider.body.id, name: 'House model' });
  });
});
