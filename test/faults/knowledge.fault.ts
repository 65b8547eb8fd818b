import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT_SECONDS } from '../../src/platform/queue/job-queue.ts';
import { registerAccount } from '../support/accounts.ts';
import { buildPdf, documentFacts } from '../support/document-fixtures.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { uploadAndAttach, waitForExtraction } from '../support/knowledge.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * A server stopped while it extracts a knowledge file, by kill -9 or by SIGTERM whose grace runs
 * out: the next process on the same database and data directory finishes the extraction (pg-boss
 * retries the job, and the retry claims the content again), so the file ends `processed`, stored
 * once, and never stays `processing` nor fails for the server's sake. Extraction settings are the
 * defaults: the job's expiry (FILE_EXTRACTION_TIMEOUT_SECONDS + 120 s) is far beyond the bound, so
 * after a kill the heartbeat is what recovers the job.
 */
/** The most pages a PDF may have (defaultExtractionLimits.maxPages): 3 to 5 s of processing. */
const PAGES = 2_000;
const FACT_PAGE = 1_500;
/** Heartbeat (10 s), pg-boss's 5 s supervision, the 5 s retry delay and the new extraction, with room. */
const RECOVERY_LIMIT_MS = 60_000;
/** Shorter than the extraction, so that a SIGTERM's grace runs out in the middle of it. */
const SHUTDOWN_GRACE_SECONDS = 1;

let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let document: Uint8Array;

beforeAll(async () => {
  environment = await serverEnvironment({ SHUTDOWN_GRACE_SECONDS: String(SHUTDOWN_GRACE_SECONDS) });
  document = await buildPdf({ pages: PAGES, factPage: FACT_PAGE });
});
afterEach(killServerProcesses);
afterAll(() => environment?.dispose());

const statusOf = async (http: HttpClient, token: string, path: string) => {
  const response = await http.get(path, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.processing_status as string;
};

/** Starts a server, attaches the long PDF to a new agent and waits until its extraction runs. */
async function extractionInProgress() {
  const server = await startServerProcess(environment.env);
  const http = createHttpClient(server.url);
  const { token } = await registerAccount(http);
  const agent = await http.post('/api/v1/agents', { name: 'Harbour archivist' }, { token });
  expect(agent.status, JSON.stringify(agent.body)).toBe(201);
  const agentId = agent.body.id as string;
  const fileId = await uploadAndAttach(http, token, agentId, {
    filename: 'harbour-manual.pdf',
    content: document,
  });
  const filePath = `/api/v1/agents/${agentId}/files/${fileId}`;
  await expect
    .poll(() => statusOf(http, token, filePath), { timeout: 20_000, interval: 50 })
    .toBe('processing');
  return { server, token, agentId, fileId, filePath };
}

/**
 * Starts the next server once `stopped` has taken the first one down, and expects it to end the
 * file processed, whole and once, within RECOVERY_LIMIT_MS of `stoppedAt`.
 */
async function expectFinishedByNextServer(
  extraction: Awaited<ReturnType<typeof extractionInProgress>>,
  stoppedAt: number,
  how: string,
) {
  const { token, agentId, fileId, filePath } = extraction;
  const next = await startServerProcess(environment.env);
  const listenedMs = Math.round(performance.now() - stoppedAt);
  const http = createHttpClient(next.url);
  // The stop came mid-extraction: the stopped process's claim is all the database holds.
  expect(await statusOf(http, token, filePath)).toBe('processing');

  const file = await waitForExtraction(http, token, agentId, fileId, RECOVERY_LIMIT_MS);
  const recoveredMs = Math.round(performance.now() - stoppedAt);
  console.log(
    `${how} mid-extraction of a ${PAGES}-page PDF (${testDatabaseKind}): the next server listened ` +
      `${listenedMs} ms after it and the file was ${file.processing_status} ${recoveredMs} ms after it ` +
      `(heartbeat ${DEFAULT_HEARTBEAT_SECONDS} s)`,
  );
  expect(file).toMatchObject({ processing_status: 'processed', error: null, page_count: PAGES });
  expect(recoveredMs).toBeLessThan(RECOVERY_LIMIT_MS);

  // Stored once, from one extraction: the fact is in one passage, on its page.
  const search = await http.post(
    `/api/v1/agents/${agentId}/knowledge/search`,
    { query: documentFacts.pdf, k: 10 },
    { token },
  );
  expect(search.status, JSON.stringify(search.body)).toBe(200);
  const withFact = search.body.results.filter((result: { text: string }) =>
    result.text.includes(documentFacts.pdf),
  );
  expect(withFact).toEqual([
    expect.objectContaining({ file_id: fileId, position: expect.objectContaining({ page: FACT_PAGE }) }),
  ]);
  expect(await next.stop('SIGTERM')).toBe(0);
}

describe('a server stopped mid-extraction', () => {
  it('killed with SIGKILL, leaves the file to the next server, which ends it processed', {
    timeout: 120_000,
  }, async () => {
    const extraction = await extractionInProgress();
    extraction.server.child.kill('SIGKILL');
    const killedAt = performance.now();
    await new Promise((resolve) => extraction.server.child.once('exit', resolve));
    await expectFinishedByNextServer(extraction, killedAt, 'kill -9');
  });

  it('stopped with SIGTERM past its grace, hands the file back instead of failing it', {
    timeout: 120_000,
  }, async () => {
    const extraction = await extractionInProgress();
    const stoppedAt = performance.now();
    expect(await extraction.server.stop('SIGTERM')).toBe(0);
    await expectFinishedByNextServer(
      extraction,
      stoppedAt,
      `SIGTERM with SHUTDOWN_GRACE_SECONDS=${SHUTDOWN_GRACE_SECONDS}`,
    );
  });
});
