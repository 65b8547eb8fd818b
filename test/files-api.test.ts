import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import { uploadAndAttach, waitForExtraction } from './support/knowledge.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/** Uploads, downloads, deduplication, attachment to agents and deletion, over HTTP (seed 000 phase 3). */
let app: TestApp;
let admin: TestAccount;
const as = (account: TestAccount) => ({ token: account.token });

beforeAll(async () => {
  app = await startTestApp({ AGENT_FILE_LIMIT: '3', MAX_UPLOAD_BYTES: '65536' });
  admin = await registerAccount(app.http);
});
afterAll(() => app.close());

const upload = (filename: string, content: Uint8Array | string, account = admin, fields = {}) =>
  app.http.upload(
    '/api/v1/files',
    { filename, content },
    { purpose: 'agent_context', ...fields },
    as(account),
  );

const newAgent = async (name = 'Reader') =>
  (await app.http.post('/api/v1/agents', { name }, as(admin))).body.id as string;

describe('uploads', () => {
  it('says at start which retrieval mode it runs in', () => {
    // PGlite ships pgvector: organizations with an embedding model get hybrid retrieval.
    const expected = app.database.kind === 'pglite' ? 'knowledge retrieval: hybrid' : 'knowledge retrieval:';
    expect(app.logs.some((line) => line.includes(expected))).toBe(true);
  });

  it('stores a text file and serves it back as uploaded, with safe headers', async () => {
    const content = 'Invoices are sent on the first business day of each month.\n';
    const created = await upload('billing notes.txt', content);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      filename: 'billing notes.txt',
      purpose: 'agent_context',
      size_bytes: Buffer.byteLength(content),
      mime_type: 'text/plain; charset=utf-8',
      processing_status: 'pending',
      attached_agents: 0,
      findings: [],
      organization_id: admin.organizationId,
    });
    expect(created.body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const fetched = await app.http.get(`/api/v1/files/${created.body.id}`, as(admin));
    expect(fetched.body).toEqual(created.body);
    const download = await app.http.get(`/api/v1/files/${created.body.id}/content`, as(admin));
    expect(download.status).toBe(200);
    expect(download.body).toBe(content);
    expect(download.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(download.headers.get('content-disposition')).toContain('attachment;');
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''billing%20notes.txt");
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    const listed = await app.http.get('/api/v1/files?search=BILLING', as(admin));
    expect(listed.body.map((file: { id: string }) => file.id)).toEqual([created.body.id]);
    expect(listed.headers.get('x-total-count')).toBe('1');
  });

  it('keeps one stored copy of the same bytes uploaded under two names', async () => {
    const content = `Shared content ${Date.now()}`;
    const first = await upload('one.md', content);
    const second = await upload('two.txt', content);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.sha256).toBe(first.body.sha256);
    const blobs = await readdir(join(app.dataDir, 'files', admin.organizationId));
    expect(blobs.filter((name) => name === first.body.sha256)).toHaveLength(1);
  });

  it('makes a hostile file name safe', async () => {
    const created = await upload('../../etc/\u202Epasswd\u0007.txt', 'just text');
    expect(created.status).toBe(201);
    expect(created.body.filename).toBe('passwd.txt');
  });

  it('refuses what is not an allowed document, and stores nothing', async () => {
    const before = (await app.http.get('/api/v1/files', as(admin))).headers.get('x-total-count');
    // Seed 000's own example: a shell script.
    expectError(
      await upload('malicious_file.sh', "#!/bin/bash\necho 'malicious script'"),
      400,
      'file_type_blocked',
    );
    expectError(await upload('tool.exe', 'MZ\u0090\u0000'), 400, 'file_type_blocked');
    expectError(await upload('picture.png', 'not really'), 400, 'file_type_not_allowed');
    expectError(
      await upload('report.pdf', 'plain text pretending to be a PDF'),
      400,
      'file_content_mismatch',
    );
    expectError(
      await upload('notes.txt', new Uint8Array([0x66, 0x6f, 0xff, 0xfe, 0x00])),
      400,
      'file_not_text',
    );
    expectError(await upload('empty.txt', ''), 400, 'file_empty');
    const tooLarge = await upload('large.txt', 'a'.repeat(65_537));
    expectError(tooLarge, 413, 'file_too_large');
    expectError(
      await upload('notes.txt', 'fine', admin, { purpose: 'Not A Purpose!' }),
      422,
      'validation_error',
    );
    expectError(
      await app.http.post('/api/v1/files', { file: 'not multipart' }, as(admin)),
      415,
      'unsupported_media_type',
    );
    const after = (await app.http.get('/api/v1/files', as(admin))).headers.get('x-total-count');
    expect(after).toBe(before);
  });

  it('flags suspicious content on the file', async () => {
    const created = await upload('page.md', '# Notes\n<script>alert(1)</script>\n');
    expect(created.status).toBe(201);
    expect(created.body.findings.map((finding: { code: string }) => finding.code)).toContain('script_tag');
  });

  it('lets readers list and download, and only agent admins upload', async () => {
    const reader = await addMember(app.http, admin, 'readonly');
    expectError(await upload('notes.txt', 'from a reader', reader), 403, 'authorization_error');
    expect((await app.http.get('/api/v1/files', as(reader))).status).toBe(200);
  });
});

describe('files attached to agents', () => {
  it('attaches (201 pending), lists, reorders, refuses a duplicate and the file past the limit, detaches', async () => {
    const agentId = await newAgent();
    const ids: string[] = [];
    for (const index of [1, 2, 3]) {
      const created = await upload(`doc-${index}.txt`, `Document ${index} of ${agentId}`);
      ids.push(created.body.id);
      const attached = await app.http.post(
        `/api/v1/agents/${agentId}/files`,
        { file_id: created.body.id },
        as(admin),
      );
      expect(attached.status, JSON.stringify(attached.body)).toBe(201);
      expect(attached.body).toMatchObject({
        agent_id: agentId,
        file_id: created.body.id,
        processing_status: 'pending',
        order_index: index - 1,
      });
    }
    const duplicate = await app.http.post(`/api/v1/agents/${agentId}/files`, { file_id: ids[0] }, as(admin));
    expectError(duplicate, 409, 'file_already_attached');
    const fourth = await upload('doc-4.txt', `Document 4 of ${agentId}`);
    const overLimit = await app.http.post(
      `/api/v1/agents/${agentId}/files`,
      { file_id: fourth.body.id },
      as(admin),
    );
    expectError(overLimit, 400, 'file_limit_exceeded');

    const moved = await app.http.patch(
      `/api/v1/agents/${agentId}/files/${ids[0]}`,
      { order_index: 9 },
      as(admin),
    );
    expect(moved.body.order_index).toBe(9);
    const listed = await app.http.get(`/api/v1/agents/${agentId}/files`, as(admin));
    expect(listed.body.map((file: { file_id: string }) => file.file_id)).toEqual([ids[1], ids[2], ids[0]]);

    const removed = await app.http.delete(`/api/v1/agents/${agentId}/files/${ids[1]}`, as(admin));
    expect(removed.status).toBe(204);
    expectError(await app.http.get(`/api/v1/agents/${agentId}/files/${ids[1]}`, as(admin)), 404, 'not_found');
    expect((await app.http.get(`/api/v1/files/${ids[1]}`, as(admin))).status).toBe(200);

    const history = await app.http.get(`/api/v1/agents/${agentId}/history`, as(admin));
    const changes = history.body.map((entry: { change_type: string }) => entry.change_type);
    expect(changes.filter((change: string) => change === 'file_attached')).toHaveLength(3);
    expect(changes).toContain('file_detached');
    expect(changes).toContain('file_reordered');
  });

  it('extracts a file once, tells each step as it happens, and answers from it', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${admin.token}`,
    });
    const agentId = await newAgent('Billing expert');
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, {
      filename: 'billing.md',
      content: '# Billing\n\nThe late fee for overdue invoices is 42 euros.\n',
    });
    const processed = await waitForExtraction(app.http, admin.token, agentId, fileId);
    expect(processed).toMatchObject({ processing_status: 'processed', error: null, chunk_count: 1 });
    expect(processed.char_count).toBeGreaterThan(40);
    const steps = () =>
      stream.events
        .filter((event) => event.type === 'file-processing-updated' && event.data.file_ids.includes(fileId))
        .map((event) => event.data.processing_status);
    await expect.poll(steps).toContain('processed');
    expect(steps()).toContain('processing');
    expect(stream.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['file-uploaded', 'agent-file-attached']),
    );
    stream.close();

    const answer = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'What is the late fee for overdue invoices?' },
      as(admin),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.content).toContain('42 euros');
    const run = await app.http.get(`/api/v1/runs/${answer.body.run_id}`, as(admin));
    const retrieval = run.body.actions.find(
      (action: { action_type: string }) => action.action_type === 'context_retrieval',
    );
    expect(retrieval.result_data.references).toEqual([
      { source: 'knowledge', file_id: fileId, filename: 'billing.md', whole: true },
    ]);

    // Another agent reading the same file reuses its extraction.
    const otherAgent = await newAgent('Second reader');
    const attached = await app.http.post(
      `/api/v1/agents/${otherAgent}/files`,
      { file_id: fileId },
      as(admin),
    );
    expect(attached.body.processing_status).toBe('processed');
  });

  it('refuses to delete a file agents read, unless forced, and then detaches it from each', async () => {
    const agentId = await newAgent();
    const content = `Delete me ${Date.now()}`;
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, { filename: 'gone.txt', content });
    const sha256 = (await app.http.get(`/api/v1/files/${fileId}`, as(admin))).body.sha256;
    const refused = await app.http.delete(`/api/v1/files/${fileId}`, as(admin));
    expectError(refused, 409, 'file_attached');
    expect(refused.body.details.agent_ids).toEqual([agentId]);

    expect((await app.http.delete(`/api/v1/files/${fileId}?force=true`, as(admin))).status).toBe(204);
    expect((await app.http.get(`/api/v1/files/${fileId}`, as(admin))).status).toBe(404);
    expect((await app.http.get(`/api/v1/agents/${agentId}/files`, as(admin))).body).toEqual([]);
    const history = await app.http.get(`/api/v1/agents/${agentId}/history`, as(admin));
    expect(history.body[0]).toMatchObject({ change_type: 'file_detached', field_changed: 'files' });
    const blobs = await readdir(join(app.dataDir, 'files', admin.organizationId));
    expect(blobs).not.toContain(sha256);
  });

  it('deletes a file whose only reader was a deleted agent, without force', async () => {
    const agentId = await newAgent('Short-lived');
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, {
      filename: 'orphan.txt',
      content: `Read by a deleted agent ${Date.now()}`,
    });
    expect((await app.http.delete(`/api/v1/agents/${agentId}`, as(admin))).status).toBe(204);
    expect((await app.http.delete(`/api/v1/files/${fileId}`, as(admin))).status).toBe(204);
    expect((await app.http.get(`/api/v1/files/${fileId}`, as(admin))).status).toBe(404);
  });

  it('answers 404 for an unknown file and 403 for another organization’s', async () => {
    const agentId = await newAgent();
    const unknown = '01973b10-0000-7000-8000-000000000000';
    expectError(
      await app.http.post(`/api/v1/agents/${agentId}/files`, { file_id: unknown }, as(admin)),
      404,
      'not_found',
    );
    const other = await registerAccount(app.http, 'Other');
    const theirs = await upload('theirs.txt', 'their secret', other);
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/files`,
      { file_id: theirs.body.id },
      as(admin),
    );
    expectError(response, 403, 'authorization_error');
  });
});
