import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Task definitions over HTTP (seed 003 TaskConfig at DESIGN section 9's /task-definitions): the
 * response_schema checked with ajv when written, names unique per organization, every change
 * appended as an immutable version, soft deletion refused while active assignments use it.
 */
let app: TestApp;
let owner: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;

const as = (account: TestAccount) => ({ token: account.token });
const path = '/api/v1/task-definitions';

/** Seed 003 section 4.1's schema, as written. */
const classifySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string' },
  },
  required: ['category', 'confidence'],
};

async function createDefinition(body: Record<string, unknown>, account = owner) {
  const response = await app.http.post(path, { response_schema: classifySchema, ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Definitions owner');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
});
afterAll(() => app.close());

describe('POST /api/v1/task-definitions', () => {
  it('creates version 1 with every field, readable by the organization', async () => {
    const created = await createDefinition({
      name: 'Classify Message',
      description: 'Categorize incoming messages',
      instructions: 'Classify the message.',
      is_active: true,
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      name: 'Classify Message',
      description: 'Categorize incoming messages',
      instructions: 'Classify the message.',
      response_schema: classifySchema,
      is_active: true,
      version: 1,
      created_by_user_id: owner.userId,
      created_by_api_key_id: null,
      created_at: expect.any(String),
      updated_at: created.created_at,
    });
    const read = await app.http.get(`${path}/${created.id}`, as(reader));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created);
    expect(read.headers.get('etag')).toBe('"1"');
  });

  it('defaults description and instructions to null and is_active to true', async () => {
    const created = await createDefinition({ name: 'Bare' });
    expect(created).toMatchObject({ description: null, instructions: null, is_active: true });
  });

  it('accepts a 2020-12 schema with $defs', async () => {
    const created = await createDefinition({
      name: 'Extract Items',
      response_schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: { item: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
        properties: { items: { type: 'array', items: { $ref: '#/$defs/item' }, minItems: 1 } },
        required: ['items'],
      },
    });
    expect(created.response_schema.$defs.item.required).toEqual(['sku']);
  });

  it('refuses an invalid schema with 422 naming the schema error’s path, and stores nothing', async () => {
    const broken = await app.http.post(
      path,
      {
        name: 'Broken',
        response_schema: { type: 'object', properties: { confidence: { type: 'numbr' } } },
      },
      as(owner),
    );
    expectError(broken, 422, 'validation_error');
    expect(broken.body.validation_errors[0]).toMatchObject({
      field: 'response_schema.properties.confidence.type',
      message: expect.stringContaining('must be'),
    });
    expect(broken.body.message).toContain('response_schema.properties.confidence.type');

    const notObject = await app.http.post(
      path,
      { name: 'Broken', response_schema: { type: 'array' } },
      as(owner),
    );
    expectError(notObject, 422, 'validation_error');
    expect(notObject.body.validation_errors[0].field).toBe('response_schema.type');

    const draft4 = await app.http.post(
      path,
      {
        name: 'Broken',
        response_schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
      },
      as(owner),
    );
    expect(draft4.body.validation_errors[0].field).toBe('response_schema.$schema');

    const badReference = await app.http.post(
      path,
      { name: 'Broken', response_schema: { type: 'object', properties: { a: { $ref: '#/$defs/none' } } } },
      as(owner),
    );
    expectError(badReference, 422, 'validation_error');
    const listed = await app.http.get(`${path}?search=Broken`, as(owner));
    expect(listed.body).toEqual([]);
  });

  it('refuses a name the organization already uses, case-insensitively (409); another organization may use it', async () => {
    await createDefinition({ name: 'Summarize Thread' });
    const duplicate = await app.http.post(
      path,
      { name: 'summarize thread', response_schema: classifySchema },
      as(owner),
    );
    expectError(duplicate, 409, 'task_definition_name_taken');
    expect(duplicate.body.details).toEqual({ name: 'summarize thread' });
    await createDefinition({ name: 'Summarize Thread' }, stranger);
  });

  it('needs agents:write (403 for readonly) and credentials (401)', async () => {
    const refused = await app.http.post(path, { name: 'Nope', response_schema: classifySchema }, as(reader));
    expectError(refused, 403, 'authorization_error');
    const anonymous = await app.http.post(path, { name: 'Nope', response_schema: classifySchema });
    expect(anonymous.status).toBe(401);
  });
});

describe('updates and versions', () => {
  it('appends a version per change, keeps each one immutable, and skips changes that change nothing', async () => {
    const created = await createDefinition({ name: 'Triage', description: 'Triage tickets' });
    const changed = await app.http.patch(
      `${path}/${created.id}`,
      { instructions: 'Explain in reasoning.', change_reason: 'Ask for reasons' },
      as(owner),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      version: 2,
      instructions: 'Explain in reasoning.',
      description: 'Triage tickets',
    });
    const same = await app.http.put(
      `${path}/${created.id}`,
      { instructions: 'Explain in reasoning.' },
      as(owner),
    );
    expect(same.body.version).toBe(2);
    const narrowed = {
      ...classifySchema,
      properties: { ...classifySchema.properties, category: { type: 'string', enum: ['bug', 'feature'] } },
    };
    const put = await app.http.put(
      `${path}/${created.id}`,
      { response_schema: narrowed, is_active: false, description: null },
      as(owner),
    );
    expect(put.body).toMatchObject({
      version: 3,
      is_active: false,
      description: null,
      response_schema: narrowed,
    });

    const versions = await app.http.get(`${path}/${created.id}/versions?limit=2`, as(reader));
    expect(versions.status).toBe(200);
    expect(versions.headers.get('x-total-count')).toBe('3');
    expect(versions.body.map((version: { version: number }) => version.version)).toEqual([3, 2]);
    expect(versions.body[0]).toMatchObject({
      task_definition_id: created.id,
      change_type: 'updated',
      changed_fields: ['description', 'response_schema', 'is_active'],
      change_reason: null,
    });
    expect(versions.body[1]).toMatchObject({
      changed_fields: ['instructions'],
      change_reason: 'Ask for reasons',
    });
    const first = await app.http.get(`${path}/${created.id}/versions/1`, as(reader));
    expect(first.body).toEqual({
      task_definition_id: created.id,
      version: 1,
      name: 'Triage',
      description: 'Triage tickets',
      instructions: null,
      response_schema: classifySchema,
      is_active: true,
      checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      change_type: 'created',
      changed_fields: ['name', 'description', 'instructions', 'response_schema', 'is_active'],
      change_reason: null,
      created_by_user_id: owner.userId,
      created_by_api_key_id: null,
      created_at: created.created_at,
    });
    expect((await app.http.get(`${path}/${created.id}/versions/4`, as(reader))).status).toBe(404);
  });

  it('gives equal snapshots equal checksums, whatever the key order', async () => {
    const created = await createDefinition({ name: 'Checksums' });
    const reordered = Object.fromEntries(Object.entries(classifySchema).reverse());
    await app.http.patch(`${path}/${created.id}`, { is_active: false }, as(owner));
    await app.http.patch(`${path}/${created.id}`, { is_active: true, response_schema: reordered }, as(owner));
    const versions = (await app.http.get(`${path}/${created.id}/versions`, as(owner))).body;
    expect(versions.map((version: { version: number }) => version.version)).toEqual([3, 2, 1]);
    // Reordering the schema's keys changed nothing: version 3 differs from 2 in is_active only.
    expect(versions[0].changed_fields).toEqual(['is_active']);
    expect(versions[0].checksum).not.toBe(versions[1].checksum);
    expect(versions[0].checksum).toBe(versions[2].checksum);
  });

  it('answers 409 version_conflict to a stale If-Match or expected_version', async () => {
    const created = await createDefinition({ name: 'Concurrent' });
    await app.http.patch(`${path}/${created.id}`, { description: 'v2' }, as(owner));
    const stale = await app.http.patch(
      `${path}/${created.id}`,
      { description: 'v3' },
      {
        ...as(owner),
        headers: { 'if-match': '"1"' },
      },
    );
    expectError(stale, 409, 'version_conflict');
    expect(stale.body.details).toEqual({ current_version: 2 });
    const staleBody = await app.http.put(
      `${path}/${created.id}`,
      { description: 'v3', expected_version: 1 },
      as(owner),
    );
    expectError(staleBody, 409, 'version_conflict');
    const fresh = await app.http.put(
      `${path}/${created.id}`,
      { description: 'v3', expected_version: 2 },
      as(owner),
    );
    expect(fresh.body.version).toBe(3);
  });

  it('refuses a rename to a taken name (409) and an invalid new schema (422), changing nothing', async () => {
    await createDefinition({ name: 'Taken Name' });
    const created = await createDefinition({ name: 'Free Name' });
    expectError(
      await app.http.patch(`${path}/${created.id}`, { name: 'TAKEN NAME' }, as(owner)),
      409,
      'task_definition_name_taken',
    );
    const invalid = await app.http.put(
      `${path}/${created.id}`,
      { response_schema: { type: 'object', required: 'category' } },
      as(owner),
    );
    expectError(invalid, 422, 'validation_error');
    expect(invalid.body.validation_errors[0].field).toBe('response_schema.required');
    expect((await app.http.get(`${path}/${created.id}`, as(owner))).body).toMatchObject({
      name: 'Free Name',
      version: 1,
    });
  });
});

describe('lists, tenancy and deletion', () => {
  it('lists newest first with filters and X-Total-Count, only the organization’s own', async () => {
    const account = await registerAccount(app.http, 'Lister');
    const first = await createDefinition({ name: 'Alpha', description: 'first of all' }, account);
    const second = await createDefinition({ name: 'Beta', is_active: false }, account);
    const all = await app.http.get(path, as(account));
    expect(all.headers.get('x-total-count')).toBe('2');
    expect(all.body.map((definition: { id: string }) => definition.id)).toEqual([second.id, first.id]);
    const active = await app.http.get(`${path}?active_only=true`, as(account));
    expect(active.body.map((definition: { id: string }) => definition.id)).toEqual([first.id]);
    const searched = await app.http.get(`${path}?search=FIRST`, as(account));
    expect(searched.body.map((definition: { id: string }) => definition.id)).toEqual([first.id]);
    const paged = await app.http.get(`${path}?limit=1&offset=1`, as(account));
    expect(paged.body.map((definition: { id: string }) => definition.id)).toEqual([first.id]);
    expect(paged.headers.get('x-total-count')).toBe('2');
  });

  it('answers 403 for another organization’s definition and 404 for an unknown one', async () => {
    const created = await createDefinition({ name: 'Private' });
    for (const request of [
      () => app.http.get(`${path}/${created.id}`, as(stranger)),
      () => app.http.patch(`${path}/${created.id}`, { name: 'Hijacked' }, as(stranger)),
      () => app.http.delete(`${path}/${created.id}`, as(stranger)),
      () => app.http.get(`${path}/${created.id}/versions/1`, as(stranger)),
    ]) {
      expectError(await request(), 403, 'authorization_error');
    }
    expectError(
      await app.http.get(`${path}/01973e10-0000-7000-8000-000000000000`, as(owner)),
      404,
      'not_found',
    );
    expect((await app.http.get(`${path}/${created.id}`, as(owner))).body.name).toBe('Private');
  });

  it('is refused deletion (409) while an active assignment uses it; then deleted softly and its name is free', async () => {
    const created = await createDefinition({ name: 'In Use' });
    const agent = await app.http.post('/api/v1/agents', { name: 'Holder' }, as(owner));
    const assigned = await app.http.post(
      `/api/v1/agents/${agent.body.id}/assignments`,
      { task_definition_id: created.id },
      as(owner),
    );
    expect(assigned.status).toBe(201);
    const refused = await app.http.delete(`${path}/${created.id}`, as(owner));
    expectError(refused, 409, 'task_definition_in_use');
    expect(refused.body.details).toEqual({ active_assignments: 1 });

    await app.http.patch(`/api/v1/assignments/${assigned.body.id}`, { is_active: false }, as(owner));
    expect((await app.http.delete(`${path}/${created.id}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(`${path}/${created.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`${path}/${created.id}/versions`, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/assignments/${assigned.body.id}`, as(owner)), 404, 'not_found');
    const listed = await app.http.get(`/api/v1/agents/${agent.body.id}/assignments`, as(owner));
    expect(listed.body).toEqual([]);
    const again = await createDefinition({ name: 'In Use' });
    expect(again.id).not.toBe(created.id);
    expect(again.version).toBe(1);
  });

  it('lets an assignment of a deleted agent not block the deletion', async () => {
    const created = await createDefinition({ name: 'Orphaned' });
    const agent = await app.http.post('/api/v1/agents', { name: 'Leaving' }, as(owner));
    const assignment = await app.http.post(
      `/api/v1/agents/${agent.body.id}/assignments`,
      { task_definition_id: created.id },
      as(owner),
    );
    expect((await app.http.delete(`/api/v1/agents/${agent.body.id}`, as(owner))).status).toBe(204);
    // Gone with its agent: missing (404) for its own organization, not another's (403).
    expectError(await app.http.get(`/api/v1/assignments/${assignment.body.id}`, as(owner)), 404, 'not_found');
    expect((await app.http.delete(`${path}/${created.id}`, as(owner))).status).toBe(204);
  });
});
