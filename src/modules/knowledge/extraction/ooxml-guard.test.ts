import { describe, expect, it } from 'vitest';
import { buildDocx, buildXlsx, zipArchive } from '../../../../test/support/document-fixtures.ts';
import {
  buildExternalImageDocx,
  buildLyingZipBombDocx,
  buildXxeDocx,
  declareEntrySize,
} from '../../../../test/support/hostile-document-fixtures.ts';
import { defaultExtractionLimits, ExtractionError } from './extraction.ts';
import { checkOoxmlArchive } from './ooxml-guard.ts';

const mebibyte = 1024 * 1024;

async function refusal(bytes: Buffer, limits = {}) {
  const error = await checkOoxmlArchive(bytes, { ...defaultExtractionLimits, ...limits }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ExtractionError);
  return error as ExtractionError;
}

describe('checkOoxmlArchive', () => {
  it('passes ordinary DOCX and XLSX files without findings', async () => {
    expect(await checkOoxmlArchive(await buildDocx(), defaultExtractionLimits)).toEqual([]);
    expect(await checkOoxmlArchive(await buildXlsx(), defaultExtractionLimits)).toEqual([]);
  });

  it('refuses too many entries, too many declared bytes and too high a ratio', async () => {
    const docx = await buildDocx();
    expect(await refusal(docx, { maxArchiveEntries: 3 })).toMatchObject({ code: 'archive_too_many_entries' });
    expect(await refusal(docx, { maxArchiveBytes: 1_000 })).toMatchObject({ code: 'archive_too_large' });
    const spaces = await zipArchive({ 'word/document.xml': Buffer.alloc(2 * mebibyte, 0x20) });
    expect(await refusal(spaces)).toMatchObject({
      code: 'archive_ratio_exceeded',
      details: { part: 'word/document.xml' },
    });
    // Under a megabyte, an entry may compress as well as it likes.
    expect(
      await checkOoxmlArchive(
        await zipArchive({ 'a.xml': Buffer.alloc(mebibyte / 2, 0x20) }),
        defaultExtractionLimits,
      ),
    ).toEqual([]);
  });

  it('counts inflated bytes: an entry bigger than its header says is refused', async () => {
    expect(await refusal(await buildLyingZipBombDocx(4 * mebibyte))).toMatchObject({
      code: 'archive_size_mismatch',
      details: { part: 'word/document.xml' },
    });
    const honest = await zipArchive({ 'x.xml': 'a'.repeat(500) });
    expect(await refusal(declareEntrySize(honest, 'x.xml', 100))).toMatchObject({
      code: 'archive_size_mismatch',
    });
  });

  it('refuses a DOCTYPE or ENTITY anywhere, in UTF-8 or UTF-16, also across chunk boundaries', async () => {
    expect(await refusal(await buildXxeDocx('file:///etc/passwd'))).toMatchObject({
      code: 'xml_entities_refused',
    });
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0"?><!DOCTYPE x><x/>', 'utf16le'),
    ]);
    expect(await refusal(await zipArchive({ 'word/document.xml': utf16 }))).toMatchObject({
      code: 'xml_entities_refused',
    });
    // Inflate hands out 16 KiB chunks: the markup straddles the first boundary.
    const straddling = `${' '.repeat(16 * 1024 - 4)}<!ENTITY a "b">`;
    expect(await refusal(await zipArchive({ 'media/image.bin': straddling }))).toMatchObject({
      code: 'xml_entities_refused',
    });
  });

  it('refuses what is not a ZIP archive', async () => {
    expect(await refusal(Buffer.from('%PDF-1.7 not a zip'))).toMatchObject({ code: 'invalid_document' });
  });

  it('reports each external relationship target, never fetching it', async () => {
    const findings = await checkOoxmlArchive(
      await buildExternalImageDocx('http://127.0.0.1:9'),
      defaultExtractionLimits,
    );
    expect(findings).toEqual([
      {
        code: 'external_link',
        message: 'The document refers to an external image: http://127.0.0.1:9/x.png (it is not fetched).',
        location: 'word/_rels/document.xml.rels',
      },
      {
        code: 'external_link',
        message: 'The document refers to an external link: http://127.0.0.1:9/page (it is not fetched).',
        location: 'word/_rels/document.xml.rels',
      },
      {
        code: 'external_link',
        message:
          'The document refers to an external template: http://127.0.0.1:9/template.dotm (it is not fetched).',
        location: 'word/_rels/document.xml.rels',
      },
    ]);
  });
});
