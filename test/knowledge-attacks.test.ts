import { access, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import {
  buildCsv,
  buildDocx,
  buildMarkdown,
  buildPdf,
  buildText,
  buildXlsx,
  documentFacts,
} from './support/document-fixtures.ts';
import {
  buildBillionLaughsXlsx,
  buildDeeplyNestedPdf,
  buildElfExecutable,
  buildExternalImageDocx,
  buildFormulaInjectionCsv,
  buildHtmlPage,
  buildHugePageCountPdf,
  buildLyingPageCountPdf,
  buildLyingZipBombDocx,
  buildLyingZipBombXlsx,
  buildPlainZip,
  buildWindowsExecutable,
  buildXxeDocx,
  buildZipBombDocx,
  buildZipBombXlsx,
} from './support/hostile-document-fixtures.ts';
import { uploadAndAttach, waitForExtraction } from './support/knowledge.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The hostile corpus through the HTTP API of a running app (extraction-attacks.test.ts holds the
 * extractor itself to the same corpus): each file is refused at upload with a clear code, or
 * attached and ended `failed` with a readable error or `processed` with its neutralization and
 * finding, within 5 s of its upload; the server answers its health check quickly all along, nothing
 * reaches the loopback server the hostile files point at, and valid documents extract afterwards.
 * The bombs keep their builders' default sizes (300, 100 and 64 MiB unpacked), all above the
 * extraction limits; building them takes about a second. No setting is changed.
 */
const EXTRACTION_DEADLINE_MS = 5_000;
/** The slowest health check tolerated while hostile files are read, on two busy cores. */
const HEALTH_LATENCY_LIMIT_MS = 1_000;
/** A refused file's error is one sentence written for its uploader: no stack, no bare code. */
const readableSentence = /^[A-Z][^\n]{10,300}\.$/;

let app: TestApp;
let admin: TestAccount;
let loopback: Server;
let loopbackUrl: string;
const loopbackRequests: string[] = [];
let corpus: Record<string, Uint8Array | string>;
const timings: string[] = [];
let health: ReturnType<typeof watchHealth>;

beforeAll(async () => {
  loopback = createServer((request, response) => {
    loopbackRequests.push(request.url ?? '');
    response.end('<!ENTITY stolen "yes">');
  });
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  loopbackUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}`;
  corpus = {
    'bomb.docx': await buildZipBombDocx(),
    'bomb.xlsx': await buildZipBombXlsx(),
    'lying-bomb.docx': await buildLyingZipBombDocx(),
    'lying-bomb.xlsx': await buildLyingZipBombXlsx(),
    'xxe-file.docx': await buildXxeDocx('file:///etc/passwd'),
    'xxe-url.docx': await buildXxeDocx(`${loopbackUrl}/xxe.dtd`),
    'billion-laughs.xlsx': await buildBillionLaughsXlsx(),
    'nested.pdf': buildDeeplyNestedPdf(),
    'ten-million-pages.pdf': buildHugePageCountPdf(),
    'lying-page-count.pdf': buildLyingPageCountPdf(),
    'linked-image.docx': await buildExternalImageDocx(loopbackUrl),
    'formulas.csv': buildFormulaInjectionCsv(),
    'elf.pdf': buildElfExecutable(),
    'elf.docx': buildElfExecutable(),
    'exe.pdf': buildWindowsExecutable(),
    'exe.docx': buildWindowsExecutable(),
    'page.pdf': buildHtmlPage(),
    'page.docx': buildHtmlPage(),
    'plain.xlsx': await buildPlainZip(),
  };
  app = await startTestApp();
  admin = await registerAccount(app.http);
  health = watchHealth();
});

afterAll(async () => {
  await health?.stop();
  if (timings.length > 0) console.log(`uploads to the end of their extraction: ${timings.join(', ')}`);
  await app?.close();
  await new Promise((resolve) => loopback?.close(resolve));
});

/**
 * Asks `/health/ready` (which queries the database) again and again, one request at a time, and
 * keeps the slowest answer: a file parsed on the server's own thread would show here.
 */
function watchHealth() {
  let slowestMs = 0;
  let answered = 0;
  let failures = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await app.http.get('/health/ready');
      slowestMs = Math.max(slowestMs, performance.now() - started);
      if (response.status === 200) answered++;
      else failures++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    snapshot: () => ({ slowestMs: Math.round(slowestMs), answered, failures }),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const as = () => ({ token: admin.token });

let agentCount = 0;
const newAgent = async () => {
  agentCount++;
  const created = await app.http.post('/api/v1/agents', { name: `Reader ${agentCount}` }, as());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
};

const contentOf = (filename: string) => {
  const content = corpus[filename];
  if (content === undefined) throw new Error(`no hostile file ${filename}`);
  return content;
};

/**
 * Uploads `filename` (the corpus's file of that name unless `content` is given), attaches it to a
 * new agent and waits for its extraction to end, within EXTRACTION_DEADLINE_MS of the upload.
 */
async function attachAndExtract(filename: string, content = contentOf(filename)) {
  const agentId = await newAgent();
  const started = performance.now();
  const fileId = await uploadAndAttach(app.http, admin.token, agentId, { filename, content });
  const ended = await waitForExtraction(app.http, admin.token, agentId, fileId, EXTRACTION_DEADLINE_MS);
  const elapsedMs = Math.round(performance.now() - started);
  timings.push(`${ended.filename} ${ended.processing_status} in ${elapsedMs} ms`);
  expect(elapsedMs).toBeLessThan(EXTRACTION_DEADLINE_MS);
  return { agentId, fileId, file: ended };
}

describe('refused at upload', () => {
  it.each([
    ['elf.pdf', 'an ELF executable'],
    ['elf.docx', 'an ELF executable'],
    ['exe.pdf', 'a Windows executable'],
    ['exe.docx', 'a Windows executable'],
    ['page.pdf', 'an HTML page with a script'],
    ['page.docx', 'an HTML page with a script'],
    ['plain.xlsx', 'a ZIP holding no workbook'],
  ])('%s (%s) is refused as file_content_mismatch, and nothing is stored', async (filename) => {
    const before = (await app.http.get('/api/v1/files', as())).headers.get('x-total-count');
    const response = await app.http.upload(
      '/api/v1/files',
      { filename, content: contentOf(filename) },
      { purpose: 'agent_context' },
      as(),
    );
    expectError(response, 400, 'file_content_mismatch');
    expect(response.body.message).toMatch(/^The file is named \.(pdf|docx|xlsx) but its content is /);
    expect((await app.http.get('/api/v1/files', as())).headers.get('x-total-count')).toBe(before);
    const uploadsLeft = await readdir(join(app.dataDir, 'tmp')).catch(() => []);
    expect(uploadsLeft.filter((name) => name.startsWith('upload-'))).toEqual([]);
  });
});

describe('refused by the extraction, readably', () => {
  it.each([
    ['bomb.docx', /unpacks to more than 256 MB/],
    ['bomb.xlsx', /compressed more than 100 to 1, as zip bombs are/],
    ['lying-bomb.docx', /unpacks to more than the 1,000 bytes its archive declares/],
    ['lying-bomb.xlsx', /unpacks to more than the 1,000 bytes its archive declares/],
    ['xxe-file.docx', /declares XML entities/],
    ['xxe-url.docx', /declares XML entities/],
    ['billion-laughs.xlsx', /declares XML entities/],
    ['nested.pdf', /nested too deeply to be read/],
    ['ten-million-pages.pdf', /has 10,000,000 pages; at most 2,000 are read/],
  ])('%s ends failed with a readable error', async (filename, reason) => {
    const { file } = await attachAndExtract(filename);
    expect(file).toMatchObject({ processing_status: 'failed', chunk_count: null });
    expect(file.error).toMatch(reason);
    expect(file.error).toMatch(readableSentence);
  });
});

describe('read, with the attack neutralized', () => {
  it('a page tree lying about its page count is read as the one page it has', async () => {
    const { file } = await attachAndExtract('lying-page-count.pdf');
    expect(file).toMatchObject({
      processing_status: 'processed',
      error: null,
      page_count: 1,
      chunk_count: 1,
    });
  });

  it('a linked image, link and template are reported as external_link findings and never fetched', async () => {
    const { agentId, file } = await attachAndExtract('linked-image.docx');
    expect(file).toMatchObject({ processing_status: 'processed', error: null });
    const relationships = 'word/_rels/document.xml.rels';
    expect(file.findings).toEqual([
      {
        code: 'external_link',
        location: relationships,
        message: `The document refers to an external image: ${loopbackUrl}/x.png (it is not fetched).`,
      },
      {
        code: 'external_link',
        location: relationships,
        message: `The document refers to an external link: ${loopbackUrl}/page (it is not fetched).`,
      },
      {
        code: 'external_link',
        location: relationships,
        message: `The document refers to an external template: ${loopbackUrl}/template.dotm (it is not fetched).`,
      },
    ]);
    const search = await app.http.post(
      `/api/v1/agents/${agentId}/knowledge/search`,
      { query: 'linked picture', k: 1 },
      as(),
    );
    expect(search.body.results.map((result: { text: string }) => result.text)).toEqual([
      'A document with a linked picture.\n\nSee the site',
    ]);
    expect(loopbackRequests).toEqual([]);
  });

  it('formula cells of a CSV reach the context neutralized, as formula_injection findings', async () => {
    const { agentId, file } = await attachAndExtract('formulas.csv');
    expect(file).toMatchObject({ processing_status: 'processed', error: null });
    const formulaFindings = file.findings.filter(
      (finding: { code: string }) => finding.code === 'formula_injection',
    );
    expect(formulaFindings).toHaveLength(4);

    const search = await app.http.post(
      `/api/v1/agents/${agentId}/knowledge/search`,
      { query: 'Alice Bob Carol Dan', k: 5 },
      as(),
    );
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    const searched: string = search.body.results.map((result: { text: string }) => result.text).join('\n');
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'What did Alice, Bob, Carol and Dan write?' },
      as(),
    );
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    for (const text of [searched, preview.body.system_prompt as string]) {
      // Every formula starts with a quote, which spreadsheets read as text (a `|` in a cell is
      // escaped for the table); the numbers stay numbers.
      expect(text).toContain(`| '=HYPERLINK("http://127.0.0.1/x","click") | -3.5 |`);
      expect(text).toContain(`| '+cmd\\|' /C calc'!A0 | 12 |`);
      expect(text).toContain(`| '@SUM(1+1)*cmd\\|' /C calc'!A0 | +4 |`);
      expect(text).toContain(`| '-2+3+cmd\\|' /C calc'!A0 | 7 |`);
      const cells = text
        .split('\n')
        .filter((line) => line.startsWith('| '))
        .flatMap((line) => line.slice(2, -2).split(' | '));
      // A cell may start with + or - only as a number (or the table's --- rule).
      const formulas = cells.filter(
        (cell) => /^[=+\-@]/.test(cell) && !/^([+-]\d+(\.\d+)?|-{3,})$/.test(cell),
      );
      expect(formulas).toEqual([]);
    }
  });

  it.each([
    ['a path up to /etc', 'evil.txt', '../../../../etc/cron.d/evil.txt'],
    ['a Windows path', 'evil.md', '..\\..\\..\\Windows\\System32\\evil.md'],
    ['a path to a bare extension', 'upload.txt', '/etc/passwd/../../.txt'],
    ['a name with bidirectional and NUL characters', 'notestxt.exe.csv', 'notes\u202Etxt.exe\u0000.csv'],
  ])('%s is stored as %j, its bytes inside the data directory', async (_, stored, declared) => {
    const content = `item,room\nLamp ${stored},Attic\n`;
    const { file } = await attachAndExtract(declared, content);
    expect(file).toMatchObject({ filename: stored, processing_status: 'processed', error: null });
    const blobDirectory = join(app.dataDir, 'files', admin.organizationId);
    await expect(access(join(blobDirectory, file.sha256))).resolves.toBeUndefined();
    // Where the name leads when taken as a path (a NUL byte cannot name a path): nothing is there.
    const followed = [declared, declared.replaceAll('\\', '/')].filter((name) => !name.includes('\0'));
    for (const name of followed) {
      await expect(access(join(blobDirectory, name))).rejects.toThrow(/ENOENT|ENOTDIR/);
    }
  });
});

describe('afterwards', () => {
  it('nothing reached the loopback server, and the server answered quickly all along', async () => {
    expect(loopbackRequests).toEqual([]);
    const { slowestMs, answered, failures } = health.snapshot();
    console.log(`health checks during the attacks: ${answered} answered, slowest ${slowestMs} ms`);
    expect(failures).toBe(0);
    expect(answered).toBeGreaterThan(20);
    expect(slowestMs).toBeLessThan(HEALTH_LATENCY_LIMIT_MS);
  });

  it.each([
    ['manual.pdf', buildPdf, documentFacts.pdf],
    ['handbook.docx', buildDocx, documentFacts.docx],
    ['staff.xlsx', buildXlsx, documentFacts.xlsx],
    ['inventory.csv', buildCsv, documentFacts.csv],
    ['operations.md', buildMarkdown, documentFacts.md],
    ['notes.txt', buildText, documentFacts.txt],
  ] as const)('a valid %s still extracts, and its fact is found', async (filename, build, fact) => {
    const { agentId, file } = await attachAndExtract(filename, await build());
    expect(file).toMatchObject({ processing_status: 'processed', error: null, findings: [] });
    const search = await app.http.post(
      `/api/v1/agents/${agentId}/knowledge/search`,
      { query: fact, k: 1 },
      as(),
    );
    expect(search.body.results[0]?.text).toContain(fact);
  });
});
