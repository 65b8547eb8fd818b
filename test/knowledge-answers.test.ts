import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import {
  buildCsv,
  buildDocx,
  buildMarkdown,
  buildPdf,
  buildText,
  buildXlsx,
} from './support/document-fixtures.ts';
import { uploadAndAttach, waitForExtraction } from './support/knowledge.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * An agent answers from what its files say, end to end: upload, attachment, extraction in the
 * background, and the offline model quoting the most relevant passage of its context.
 */
let app: TestApp;
let admin: TestAccount;
beforeAll(async () => {
  app = await startTestApp();
  admin = await registerAccount(app.http);
});
afterAll(() => app.close());

const ask = async (agentId: string, message: string) => {
  const response = await app.http.post(
    `/api/v1/agents/${agentId}/execute`,
    { message },
    { token: admin.token },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { content: string; run_id: string };
};

const createAgent = async (body: Record<string, unknown>) =>
  (await app.http.post('/api/v1/agents', body, { token: admin.token })).body.id as string;

describe('an agent reading its files', () => {
  it('answers from a fact in each of the six file types', async () => {
    const agentId = await createAgent({ name: 'Archivist' });
    const documents = [
      { filename: 'manual.pdf', content: await buildPdf() },
      { filename: 'maintenance.docx', content: await buildDocx() },
      { filename: 'staff.xlsx', content: await buildXlsx() },
      { filename: 'inventory.csv', content: buildCsv() },
      { filename: 'runbook.md', content: buildMarkdown() },
      { filename: 'notes.txt', content: buildText() },
    ];
    for (const document of documents) {
      const fileId = await uploadAndAttach(app.http, admin.token, agentId, document);
      const extracted = await waitForExtraction(app.http, admin.token, agentId, fileId);
      expect(extracted.processing_status, `${document.filename}: ${extracted.error}`).toBe('processed');
    }
    const questions: [string, string][] = [
      ['Where does the lighthouse keeper keep the spare lens?', 'cabinet 42'],
      ['How often is the boiler serviced?', 'every second Tuesday'],
      ['Who is the Chief Cartographer?', 'Ingrid Solberg'],
      ['In which room is the brass telescope?', 'Observatory'],
      ['How often should the signing keys be rotated?', '90 days'],
      ['Where is the wifi password for the guest network printed?', 'under the router'],
    ];
    for (const [question, expected] of questions) {
      expect((await ask(agentId, question)).content, question).toContain(expected);
    }
    const metrics = await app.http.get(`/api/v1/agents/${agentId}/metrics`, { token: admin.token });
    expect(metrics.body.resources.file_storage_mb).toBeGreaterThan(0);
  });

  it('quotes the passage from page 3 of a long PDF, and the run records the chunks it was given', async () => {
    // A small context: the manual does not fit whole, so the most relevant passages are given.
    const agentId = await createAgent({ name: 'Harbour master', max_context_size: 1_000 });
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, {
      filename: 'harbour-manual.pdf',
      content: await buildPdf({ pages: 8, factPage: 3 }),
    });
    const extracted = await waitForExtraction(app.http, admin.token, agentId, fileId);
    expect(extracted).toMatchObject({ processing_status: 'processed', page_count: 8 });

    const answer = await ask(agentId, 'Where does the lighthouse keeper keep the spare lens?');
    expect(answer.content).toContain('cabinet 42');
    const run = await app.http.get(`/api/v1/runs/${answer.run_id}`, { token: admin.token });
    const retrieval = run.body.actions.find(
      (action: { action_type: string }) => action.action_type === 'context_retrieval',
    );
    const references = retrieval.result_data.references as { file_id: string; position: { page: number } }[];
    expect(references.length).toBeGreaterThan(0);
    expect(references[0]).toMatchObject({ source: 'knowledge', file_id: fileId, position: { page: 3 } });

    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'Where does the lighthouse keeper keep the spare lens?' },
      { token: admin.token },
    );
    expect(preview.body.system_prompt).toContain('# Knowledge: harbour-manual.pdf (page 3)');
    expect(preview.body.references[0]).toMatchObject({ file_id: fileId, position: { page: 3 } });

    const search = await app.http.post(
      `/api/v1/agents/${agentId}/knowledge/search`,
      { query: 'spare lens of the lighthouse keeper', k: 2 },
      { token: admin.token },
    );
    expect(search.status).toBe(200);
    expect(search.body.mode).toBe('full-text');
    expect(search.body.results[0]).toMatchObject({ file_id: fileId, position: { page: 3 } });
    expect(search.body.results[0].text).toContain('cabinet 42');
  });
});
