import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExtraction } from './support/knowledge.ts';
import { seed000UserWithAgent } from './support/seed-000.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 000 phase 3 ("File Context Processing System") as its curl tests write it, with
 * the default AGENT_FILE_LIMIT of 20, then its unit scenarios and the upload-security test.
 */
let app: TestApp;
let token: string;
let agentId: string;
beforeAll(async () => {
  app = await startTestApp();
  ({ token, agentId } = await seed000UserWithAgent(app.http, 'Phase 3 Test Agent'));
});
afterAll(() => app.close());

const uploadText = (filename: string, content: string) =>
  app.http.upload('/api/v1/files', { filename, content }, { purpose: 'agent_context' }, { token });

describe('seed 000 phase 3: file context processing', () => {
  let fileId: string;

  it('Test 1: uploads a file for agent context and returns its id', async () => {
    const response = await uploadText(
      'test_document.txt',
      'The escalation hotline is open from 7am to 9pm.\n',
    );
    expect(response.status).toBe(201);
    expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
    fileId = response.body.id;
  });

  it('Test 2: attaches the file to the agent (201, processing_status pending)', async () => {
    const response = await app.http.post(`/api/v1/agents/${agentId}/files`, { file_id: fileId }, { token });
    expect(response.status).toBe(201);
    expect(response.body.processing_status).toBe('pending');
    expect(response.body.file_id).toBe(fileId);
  });

  it('Test 3: lists the agent’s files (the attached file)', async () => {
    const response = await app.http.get(`/api/v1/agents/${agentId}/files`, { token });
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
    expect(response.body[0].file_id).toBe(fileId);
  });

  it('Test 4: shows the processing status (processing or processed)', async () => {
    const response = await app.http.get(`/api/v1/agents/${agentId}/files/${fileId}`, { token });
    expect(response.status).toBe(200);
    expect(['pending', 'processing', 'processed']).toContain(response.body.processing_status);
    expect((await waitForExtraction(app.http, token, agentId, fileId)).processing_status).toBe('processed');
  });

  it('Test 5: enforces the file limit: 20 files attach, the 21st answers 400', async () => {
    const statuses: number[] = [];
    for (let index = 1; index <= 21; index++) {
      const file = await uploadText(`test_file_${index}.txt`, `Test content ${index}\n`);
      const attached = await app.http.post(
        `/api/v1/agents/${agentId}/files`,
        { file_id: file.body.id },
        { token },
      );
      statuses.push(attached.status);
    }
    // The agent already reads test_document.txt: 19 more fit, then the limit answers.
    expect(statuses.slice(0, 19).every((status) => status === 201)).toBe(true);
    expect(statuses.slice(19)).toEqual([400, 400]);
    const listed = await app.http.get(`/api/v1/agents/${agentId}/files?limit=50`, { token });
    expect(listed.body).toHaveLength(20);
  });

  it('Test 6: removes the file from the agent (204)', async () => {
    const response = await app.http.delete(`/api/v1/agents/${agentId}/files/${fileId}`, { token });
    expect(response.status).toBe(204);
  });
});

describe('seed 000 phase 3 unit scenarios', () => {
  it('test_file_limit_enforcement: the 21st attachment fails with "file limit ... exceeded"', async () => {
    const agent = (await app.http.post('/api/v1/agents', { name: 'Limit agent' }, { token })).body.id;
    for (let index = 0; index < 20; index++) {
      const file = await uploadText(`file_${index}.txt`, `test content ${index} for ${agent}`);
      expect(
        (await app.http.post(`/api/v1/agents/${agent}/files`, { file_id: file.body.id }, { token })).status,
      ).toBe(201);
    }
    const file21 = await uploadText('file_21.txt', `test content 21 for ${agent}`);
    const refused = await app.http.post(
      `/api/v1/agents/${agent}/files`,
      { file_id: file21.body.id },
      { token },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/file limit.*exceeded/i);
  });

  it('test_file_processing_task: processing stores the extracted content, which the agent’s context includes', async () => {
    const agent = (await app.http.post('/api/v1/agents', { name: 'Context agent' }, { token })).body.id;
    const file = await uploadText('document.txt', 'Important agent context');
    await app.http.post(`/api/v1/agents/${agent}/files`, { file_id: file.body.id }, { token });
    const processed = await waitForExtraction(app.http, token, agent, file.body.id);
    expect(processed).toMatchObject({ processing_status: 'processed', char_count: 23 });
    const preview = await app.http.post(
      `/api/v1/agents/${agent}/preview-context`,
      { message: 'Hello' },
      { token },
    );
    expect(preview.body.system_prompt).toContain('# Knowledge: document.txt\nImportant agent context');
  });
});

describe('seed 000 security tests', () => {
  it('Test 2: a shell script upload answers 400', async () => {
    const response = await uploadText('malicious_file.sh', "#!/bin/bash\necho 'malicious script'");
    expect(response.status).toBe(400);
  });
});
