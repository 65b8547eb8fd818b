import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCsv,
  buildDocx,
  buildMarkdown,
  buildPdf,
  buildRawPdf,
  buildText,
  buildXlsx,
  createFixtureDirectory,
  zipArchive,
} from '../../../test/support/document-fixtures.ts';
import { BadRequestError } from '../../platform/http/errors.ts';
import { SCAN_CHUNK_BYTES } from './suspicious-content.ts';
import { type ScreeningOptions, screenUpload } from './upload-screening.ts';

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
let fileNumber = 0;
beforeAll(async () => {
  fixtures = await createFixtureDirectory();
});
afterAll(() => fixtures.remove());

/** Writes `bytes` to a temporary file, as the intake would, and screens it as `declaredName`. */
async function screen(
  bytes: string | Uint8Array,
  declaredName: string,
  suspicious: ScreeningOptions['suspicious'] = 'flag',
) {
  const path = await fixtures.write(`upload-${++fileNumber}`, bytes);
  return screenUpload(path, declaredName, { suspicious });
}

/** The refusal of a screening that must fail. */
async function refusal(screening: Promise<unknown>): Promise<BadRequestError> {
  const error = await screening.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(BadRequestError);
  return error as BadRequestError;
}

/** A PDF that runs JavaScript when opened, saved as pdf-lib does by default (object streams) or not. */
async function pdfWithJavaScript(useObjectStreams: boolean): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  document.addPage().drawText('Quarterly report');
  document.addJavaScript('greeting', 'app.alert("hi")');
  return document.save({ useObjectStreams });
}

/** A PDF whose opening launches a program. */
const pdfWithLaunchAction = () =>
  buildRawPdf([
    '<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>',
    '<< /Type /Pages /Kids [] /Count 0 >>',
    '<< /Type /Action /S /Launch /F (calc.exe) >>',
  ]);

/** The first bytes of a 64-bit Linux executable, of a Windows one, and an HTML page. */
const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]);
const windowsExecutable = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(62),
  Buffer.from('PE\0\0'),
  Buffer.alloc(200),
]);
const html = '<!DOCTYPE html><html><body><script>fetch("/steal")</script></body></html>';

describe('screenUpload accepts', () => {
  it('a PDF', async () => {
    expect(await screen(await buildPdf(), 'report.pdf')).toEqual({
      filename: 'report.pdf',
      kind: 'pdf',
      mimeType: 'application/pdf',
      findings: [],
    });
  });

  it('a DOCX', async () => {
    expect(await screen(await buildDocx(), 'letter.docx')).toMatchObject({
      kind: 'docx',
      mimeType: DOCX_MIME,
    });
  });

  it('an XLSX', async () => {
    expect(await screen(await buildXlsx(), 'budget.xlsx')).toMatchObject({
      kind: 'xlsx',
      mimeType: XLSX_MIME,
    });
  });

  it.each([
    ['notes.txt', 'txt', 'text/plain; charset=utf-8', buildText()],
    ['table.csv', 'csv', 'text/csv; charset=utf-8', buildCsv()],
    ['guide.md', 'md', 'text/markdown; charset=utf-8', buildMarkdown()],
    ['greeting.md', 'md', 'text/markdown; charset=utf-8', '# Grüße\n\n日本語のテキスト 👋\n'],
  ])('%s as UTF-8 text', async (name, kind, mimeType, text) => {
    expect(await screen(text, name)).toEqual({ filename: name, kind, mimeType, findings: [] });
  });

  it('an extension in any case, and returns the safe name', async () => {
    expect(await screen(await buildPdf(), '../../tmp/REPORT.Pdf')).toMatchObject({
      filename: 'REPORT.Pdf',
      kind: 'pdf',
    });
  });

  it('text beginning with a UTF-8 byte order mark', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Título\n')]);
    expect(await screen(text, 'readme.md')).toMatchObject({ kind: 'md', findings: [] });
  });

  it('text whose multi-byte character straddles two chunks', async () => {
    const text = `${'a'.repeat(SCAN_CHUNK_BYTES - 1)}€ and more`;
    expect(await screen(text, 'long.txt')).toMatchObject({ kind: 'txt', findings: [] });
  });

  it('text that is XML, a text format of its own', async () => {
    expect(await screen('<?xml version="1.0"?><note>hi</note>', 'note.txt')).toMatchObject({ kind: 'txt' });
  });
});

describe('screenUpload refuses by name', () => {
  it.each([
    '.exe',
    '.bat',
    '.sh',
    '.py',
    '.js',
    '.html',
    '.php',
    '.cmd',
    '.ps1',
    '.jar',
    '.msi',
    '.dll',
    '.so',
    '.htm',
    '.svg',
  ])('blocked type %s', async (extension) => {
    const error = await refusal(screen('payload', `file${extension.toUpperCase()}`));
    expect(error).toMatchObject({ status: 400, code: 'file_type_blocked', details: { extension } });
    expect(error.message).toBe(`Files of type ${extension} are refused for security`);
  });

  it('seed 000’s malicious_file.sh', async () => {
    const error = await refusal(screen("#!/bin/bash\necho 'malicious script'\n", 'malicious_file.sh'));
    expect(error).toMatchObject({ status: 400, code: 'file_type_blocked' });
  });

  it('a double extension by its last one', async () => {
    expect(await refusal(screen(windowsExecutable, 'report.pdf.exe'))).toMatchObject({
      code: 'file_type_blocked',
    });
    expect(await refusal(screen(windowsExecutable, 'report.exe.pdf'))).toMatchObject({
      code: 'file_content_mismatch',
    });
  });

  it('an executable whose name hides its extension behind a bidi override', async () => {
    expect(await refusal(screen(windowsExecutable, 'invoice\u202Efdp.exe'))).toMatchObject({
      code: 'file_type_blocked',
    });
  });

  it.each(['.gif', '.zip', '.docm', '.rtf'])('type %s, which is not on the allow-list', async (extension) => {
    const error = await refusal(screen('data', `file${extension}`));
    expect(error).toMatchObject({ code: 'file_type_not_allowed', details: { extension } });
    expect(error.message).toBe(
      `Files of type ${extension} are not accepted; upload one of .pdf, .docx, .xlsx, .csv, .md, .txt`,
    );
  });

  it('a name without an extension', async () => {
    const error = await refusal(screen('hello', 'README'));
    expect(error).toMatchObject({ code: 'file_type_not_allowed', details: { extension: '' } });
    expect(error.message).toContain('The file name README has no extension');
  });
});

describe('screenUpload refuses by content', () => {
  it('an ELF executable named .pdf', async () => {
    const error = await refusal(screen(elf, 'report.pdf'));
    expect(error).toMatchObject({
      code: 'file_content_mismatch',
      details: { detectedMimeType: 'application/x-elf' },
    });
    expect(error.message).toBe('The file is named .pdf but its content is a .elf file (application/x-elf)');
  });

  it('a Windows executable named .pdf', async () => {
    const error = await refusal(screen(windowsExecutable, 'report.pdf'));
    expect(error.code).toBe('file_content_mismatch');
    expect(error.message).toMatch(/^The file is named \.pdf but its content is a \.exe file/);
  });

  it('an HTML page named .pdf', async () => {
    const error = await refusal(screen(html, 'report.pdf'));
    expect(error).toMatchObject({ code: 'file_content_mismatch', details: { detectedMimeType: null } });
    expect(error.message).toBe('The file is named .pdf but its content is not recognisable as .pdf');
  });

  it('a PDF named .docx', async () => {
    expect(await refusal(screen(await buildPdf(), 'letter.docx'))).toMatchObject({
      code: 'file_content_mismatch',
      details: { extension: '.docx', detectedMimeType: 'application/pdf' },
    });
  });

  it('a zip that is not OOXML named .xlsx', async () => {
    const archive = await zipArchive({ 'hello.txt': 'hello' });
    expect(await refusal(screen(archive, 'budget.xlsx'))).toMatchObject({
      code: 'file_content_mismatch',
      details: { detectedMimeType: 'application/zip' },
    });
  });

  it('a DOCX named .xlsx and an XLSX named .docx', async () => {
    expect(await refusal(screen(await buildDocx(), 'budget.xlsx'))).toMatchObject({
      code: 'file_content_mismatch',
      details: { detectedMimeType: DOCX_MIME },
    });
    expect(await refusal(screen(await buildXlsx(), 'letter.docx'))).toMatchObject({
      code: 'file_content_mismatch',
      details: { detectedMimeType: XLSX_MIME },
    });
  });

  it('binary content named as text', async () => {
    expect(await refusal(screen(elf, 'notes.txt'))).toMatchObject({ code: 'file_content_mismatch' });
    expect(await refusal(screen(await buildPdf(), 'table.csv'))).toMatchObject({
      code: 'file_content_mismatch',
      details: { detectedMimeType: 'application/pdf' },
    });
  });

  it.each(['empty.pdf', 'empty.txt'])('an empty file (%s)', async (name) => {
    const error = await refusal(screen('', name));
    expect(error).toMatchObject({ code: 'file_empty', message: `The file ${name} is empty` });
  });

  it('text that is not valid UTF-8', async () => {
    const latin1 = Buffer.from('Gr\xfc\xdfe aus K\xf6ln', 'latin1');
    const error = await refusal(screen(latin1, 'notes.txt'));
    expect(error).toMatchObject({ code: 'file_not_text', message: 'The .txt file is not valid UTF-8 text' });
  });

  it('text whose last character is cut off', async () => {
    const cut = Buffer.from('price: 5 €').subarray(0, -1);
    expect(await refusal(screen(cut, 'notes.md'))).toMatchObject({ code: 'file_not_text' });
  });

  it('text with a NUL byte', async () => {
    const error = await refusal(screen('name,amount\nRent,1\u0000200\n', 'table.csv'));
    expect(error).toMatchObject({
      code: 'file_not_text',
      message: 'The .csv file contains NUL bytes, which text does not',
    });
  });

  it('UTF-16 text', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello', 'utf16le')]);
    expect(await refusal(screen(utf16, 'notes.txt'))).toMatchObject({ code: 'file_not_text' });
  });
});

describe('screenUpload with suspicious content', () => {
  it('flags scripts in text, with their byte offsets', async () => {
    const screened = await screen('# Notes\n<script>alert(1)</script>\nos.system("rm -rf /")\n', 'notes.md');
    expect(screened.findings).toEqual([
      { code: 'script_tag', message: 'Contains "<script" (an HTML script tag)', location: 'byte 8' },
      { code: 'system_call', message: 'Contains "system(" (a call of system)', location: 'byte 37' },
    ]);
  });

  it('flags a pattern split across the boundary of two 64 KiB chunks', async () => {
    const offset = SCAN_CHUNK_BYTES - 3;
    const text = `${'a'.repeat(offset)}<ScRiPt src=x></script>`;
    const screened = await screen(text, 'long.txt');
    expect(screened.findings).toEqual([
      expect.objectContaining({ code: 'script_tag', location: `byte ${offset}` }),
    ]);
  });

  it('refuses it under reject, with the findings in the details', async () => {
    const error = await refusal(screen('click <a href="javascript:steal()">here</a>', 'page.txt', 'reject'));
    expect(error).toMatchObject({
      status: 400,
      code: 'file_suspicious',
      message: 'The file page.txt contains content that looks like a script or code (javascript_url)',
      details: { findings: [expect.objectContaining({ code: 'javascript_url', location: 'byte 15' })] },
    });
  });

  it('accepts clean text under reject', async () => {
    expect(
      await screen('Reset the password, then delete the old report.', 'notes.txt', 'reject'),
    ).toMatchObject({
      findings: [],
    });
  });

  it('flags JavaScript in a PDF', async () => {
    const bytes = await pdfWithJavaScript(false);
    const screened = await screen(bytes, 'report.pdf');
    expect(screened.findings).toEqual([
      expect.objectContaining({ code: 'pdf_javascript', location: expect.stringMatching(/^byte \d+$/) }),
    ]);
  });

  it('flags JavaScript a PDF keeps in a compressed object stream', async () => {
    const bytes = await pdfWithJavaScript(true);
    expect(Buffer.from(bytes).includes('/JavaScript')).toBe(false);
    const screened = await screen(bytes, 'report.pdf');
    expect(screened.findings).toEqual([
      expect.objectContaining({
        code: 'pdf_javascript',
        location: expect.stringMatching(/^object stream at byte \d+, byte \d+$/),
      }),
    ]);
  });

  it('flags a Launch action in a PDF, and refuses it under reject', async () => {
    const flagged = await screen(pdfWithLaunchAction(), 'report.pdf');
    expect(flagged.findings).toEqual([expect.objectContaining({ code: 'pdf_launch_action' })]);

    const error = await refusal(screen(pdfWithLaunchAction(), 'report.pdf', 'reject'));
    expect(error).toMatchObject({
      code: 'file_suspicious',
      details: { findings: [expect.objectContaining({ code: 'pdf_launch_action' })] },
    });
  });

  it('does not scan office documents, whose extraction reports what they hold', async () => {
    expect(await screen(await buildDocx(), 'letter.docx', 'reject')).toMatchObject({ findings: [] });
  });
});
