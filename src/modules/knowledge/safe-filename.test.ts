import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { contentDisposition, safeFilename } from './safe-filename.ts';

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('safeFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/var/www/../uploads/notes.md', 'notes.md'],
    ['C:\\Users\\me\\Documents\\budget.xlsx', 'budget.xlsx'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['..', 'upload'],
    ['', 'upload'],
    ['   ', 'upload'],
    ['dir/', 'upload'],
    ['.pdf', 'upload.pdf'],
    ['...pdf', 'upload.pdf'],
    ['  report.pdf. . ', 'report.pdf'],
    ['.hidden.txt', 'hidden.txt'],
    ['report..pdf', 'report..pdf'],
    ['annual report (final).docx', 'annual report (final).docx'],
  ])('makes %j into %j', (declared, expected) => {
    expect(safeFilename(declared)).toBe(expected);
  });

  it('removes control characters: C0, DEL, C1 and line separators', () => {
    expect(safeFilename('a\u0000b\u0007c\r\nd\u007fe\u0085f\u009bg\u2028h.txt')).toBe('abcdefgh.txt');
  });

  it('removes bidirectional controls, so the name shows its real extension', () => {
    // Displays as "invoiceexe.pdf" where bidi is honoured.
    expect(safeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFilename('\u2066a\u2069\u200f\u061cb.csv')).toBe('ab.csv');
  });

  it('composes the name to Unicode NFC', () => {
    const decomposed = 'Cafe\u0301.md';
    expect(safeFilename(decomposed)).toBe('Caf\u00e9.md');
  });

  it('replaces a lone surrogate, which no encoding can store', () => {
    expect(safeFilename('\ud800notes.txt')).toBe('\ufffdnotes.txt');
  });

  it('cuts a long name to 255 UTF-8 bytes and keeps its extension', () => {
    const name = safeFilename(`${'a'.repeat(300)}.pdf`);
    expect(name).toBe(`${'a'.repeat(251)}.pdf`);
  });

  it('cuts multi-byte names between characters, never inside one or inside an emoji', () => {
    const japanese = safeFilename(`${'日本語'.repeat(40)}.docx`);
    expect(utf8Bytes(japanese)).toBeLessThanOrEqual(255);
    expect(japanese.endsWith('.docx')).toBe(true);
    expect(japanese).not.toContain('\ufffd');
    expect(japanese.startsWith('日本語日本語')).toBe(true);

    const family = '👨‍👩‍👧';
    const emoji = safeFilename(`${family.repeat(30)}.md`);
    expect(utf8Bytes(emoji)).toBeLessThanOrEqual(255);
    expect(emoji).toMatch(new RegExp(`^(?:${family})+\\.md$`, 'u'));
  });

  it('treats a very long "extension" as part of the name', () => {
    const name = safeFilename(`report.${'x'.repeat(400)}`);
    expect(utf8Bytes(name)).toBe(255);
    expect(name.startsWith('report.xxx')).toBe(true);
  });

  it('does not end a cut name with dots or spaces', () => {
    const name = safeFilename(`${'a'.repeat(254)}. ${'b'.repeat(40)}`);
    expect(name).toBe('a'.repeat(254));
  });

  it('changes nothing when applied again', () => {
    const names = [
      '../../etc/passwd',
      'invoice\u202Efdp.exe',
      `${'a'.repeat(300)}.pdf`,
      `${'日本語'.repeat(40)}.docx`,
      `report.${'x'.repeat(400)}`,
      `${'a'.repeat(254)}. ${'b'.repeat(40)}`,
      ' .pdf ',
    ];
    for (const declared of names) {
      const once = safeFilename(declared);
      expect(safeFilename(once)).toBe(once);
    }
  });
});

describe('contentDisposition', () => {
  it('sends an ASCII name as is', () => {
    expect(contentDisposition('report.pdf')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
  });

  it('gives non-ASCII names an ASCII fallback and the exact name percent-encoded', () => {
    expect(contentDisposition('Résumé "final".pdf')).toBe(
      `attachment; filename="Resume _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition('日本語.txt')).toBe(
      `attachment; filename="_.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`,
    );
  });

  it('encodes the characters RFC 8187 does not allow bare', () => {
    expect(contentDisposition("it's (1)*%.md")).toBe(
      `attachment; filename="it's (1)*_.md"; filename*=UTF-8''it%27s%20%281%29%2A%25.md`,
    );
  });

  it('lets no quote, backslash, CR or LF of a hostile name into the header', () => {
    const header = contentDisposition('a"; filename="evil.exe\r\nSet-Cookie: session=1\\.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/);
    expect(() => validateHeaderValue('content-disposition', header)).not.toThrow();
  });

  it('produces a header value Node accepts for any name', () => {
    for (const declared of ['\u0000\u0001', 'ﬁle\uff02\uff3c.pdf', `${'é'.repeat(200)}.csv`, '\u202e.txt']) {
      expect(() => validateHeaderValue('content-disposition', contentDisposition(declared))).not.toThrow();
    }
  });
});
