import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRawPdf, createFixtureDirectory } from '../../../test/support/document-fixtures.ts';
import { scanPdfActions } from './pdf-action-scan.ts';

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
let fileNumber = 0;
beforeAll(async () => {
  fixtures = await createFixtureDirectory();
});
afterAll(() => fixtures.remove());

/** A PDF with one object stream holding `data`, with the given /Length entry; `extra` objects follow. */
function withObjectStream(data: Buffer, lengthEntry = `/Length ${data.length}`, ...extra: string[]): Buffer {
  return buildRawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [] /Count 0 >>',
    `<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode ${lengthEntry} >>\nstream\n${data.toString('latin1')}\nendstream`,
    ...extra,
  ]);
}

async function scan(bytes: Buffer) {
  return scanPdfActions(await fixtures.write(`scan-${++fileNumber}.pdf`, bytes));
}

/** `/JavaScript` is at byte 24 of the inflated stream. */
const javaScriptAction = deflateSync('5 0 << /Type /Action /S /JavaScript /JS (app.alert(1)) >>');

describe('scanPdfActions', () => {
  it('finds an action inside a compressed object stream, and says where', async () => {
    const bytes = withObjectStream(javaScriptAction);
    const streamStart = bytes.indexOf(javaScriptAction);
    expect(await scan(bytes)).toEqual([
      {
        code: 'pdf_javascript',
        message: 'Contains /JavaScript (JavaScript the viewer may run)',
        location: `object stream at byte ${streamStart}, byte 24`,
      },
    ]);
  });

  it('reads an object stream whose /Length is a reference', async () => {
    expect(await scan(withObjectStream(javaScriptAction, '/Length 9 0 R'))).toEqual([
      expect.objectContaining({ code: 'pdf_javascript' }),
    ]);
  });

  it('reports a code once when the raw bytes have it too, at its raw place', async () => {
    const bytes = withObjectStream(javaScriptAction, undefined, '<< /S /JS (x) >>');
    expect(await scan(bytes)).toEqual([
      expect.objectContaining({ code: 'pdf_javascript', location: expect.stringMatching(/^byte \d+$/) }),
    ]);
  });

  it('does not fail on an object stream that is not Flate data, whose raw bytes are scanned still', async () => {
    expect(await scan(withObjectStream(Buffer.from('/JavaScript (not compressed)')))).toEqual([
      expect.objectContaining({ location: expect.stringMatching(/^byte \d+$/) }),
    ]);
    expect(await scan(withObjectStream(Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00, 0x13])))).toEqual([]);
  });

  it('scans what inflated before a stream breaks off', async () => {
    const cut = javaScriptAction.subarray(0, javaScriptAction.length - 6);
    expect(await scan(withObjectStream(cut))).toEqual([expect.objectContaining({ code: 'pdf_javascript' })]);
  });

  it('finds nothing in a PDF without actions', async () => {
    const clean = deflateSync(
      '5 0 << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.com) >> >>',
    );
    expect(await scan(withObjectStream(clean))).toEqual([]);
  });
});
