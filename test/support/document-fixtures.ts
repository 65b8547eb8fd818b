/**
 * Knowledge documents made at test time (nothing binary is committed): one valid file of each
 * kind, each holding a distinct fact (`documentFacts`), and builders for the OOXML and raw PDF
 * layouts that the hostile corpus (`hostile-document-fixtures.ts`) reuses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { ZipFile } from 'yazl';

/** The sentence or value each valid fixture holds, for tests to find in the extracted text. */
export const documentFacts = {
  pdf: 'The lighthouse keeper keeps the spare lens in cabinet 42.',
  docx: 'The boiler is serviced every second Tuesday by Halvorsen Heating.',
  xlsx: 'Chief Cartographer',
  csv: 'Brass telescope',
  md: 'Rotate the signing keys every 90 days.',
  txt: 'The wifi password for the guest network is printed under the router.',
} as const;

/** A temporary directory for one test file's fixtures. */
export async function createFixtureDirectory() {
  const path = await mkdtemp(join(tmpdir(), 'agentry-extract-'));
  return {
    path,
    /** Writes `bytes` as `name` in the directory; returns the file's path. */
    async write(name: string, bytes: Uint8Array | string): Promise<string> {
      const file = join(path, name);
      await writeFile(file, bytes);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** A PDF of `pages` pages (default 5) of filler text, `documentFacts.pdf` on `factPage` (default 3). */
export async function buildPdf(options: { pages?: number; factPage?: number } = {}): Promise<Uint8Array> {
  const { pages = 5, factPage = 3 } = options;
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let number = 1; number <= pages; number++) {
    const page = document.addPage([612, 792]);
    const lines = [
      `Harbour operations manual, page ${number}.`,
      ...Array.from(
        { length: 30 },
        (_, line) =>
          `Section ${number}.${line + 1}: routine checks of the quay, the cranes and the moorings.`,
      ),
    ];
    if (number === factPage) lines.splice(5, 0, documentFacts.pdf);
    lines.forEach((line, index) => {
      page.drawText(line, { x: 50, y: 740 - index * 20, size: 11, font });
    });
  }
  return document.save();
}

/** A DOCX with "Maintenance" > "Heating" headings, a table and `documentFacts.docx`. */
export function buildDocx(): Promise<Buffer> {
  return buildDocxArchive(
    [
      paragraph('Facilities handbook', 'Title'),
      paragraph('This handbook describes the building.'),
      paragraph('Maintenance', 'Heading1'),
      paragraph('Report faults to the front desk.'),
      paragraph('Heating', 'Heading2'),
      paragraph(documentFacts.docx),
      '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Room</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Radiators</w:t></w:r></w:p></w:tc></w:tr>' +
        '<w:tr><w:tc><w:p><w:r><w:t>Library</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>4</w:t></w:r></w:p></w:tc></w:tr></w:tbl>',
      paragraph('Security', 'Heading1'),
      paragraph('Doors lock at 22:00.'),
    ].join(''),
  );
}

/** A workbook with sheets "Sales" (a formula with its cached result) and "Staff" (`documentFacts.xlsx`). */
export async function buildXlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sales = workbook.addWorksheet('Sales');
  sales.addRow(['Region', 'Quarter', 'Revenue']);
  sales.addRow(['North', 'Q1', 1200]);
  sales.addRow(['South', 'Q1', 800]);
  sales.addRow(['Total', 'Q1', { formula: 'SUM(C2:C3)', result: 2000 }]);
  const staff = workbook.addWorksheet('Staff');
  staff.addRow(['Name', 'Role', 'Since']);
  staff.addRow(['Ingrid Solberg', documentFacts.xlsx, new Date(Date.UTC(2019, 3, 1))]);
  staff.addRow(['Tomas Berg', 'Surveyor', new Date(Date.UTC(2021, 8, 15))]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A CSV with a header row and `documentFacts.csv` on data row 3. */
export function buildCsv(): string {
  return [
    'item,room,value',
    'Oak desk,Study,350',
    'Globe,Library,120',
    `${documentFacts.csv},Observatory,-3.5`,
    '"Map, framed",Hall,80',
  ].join('\n');
}

/** Markdown with nested headings; `documentFacts.md` under "Operations" > "Security" > "Keys". */
export function buildMarkdown(): string {
  return [
    'Intro text before any heading.',
    '',
    '# Operations',
    'How the service is run.',
    '',
    '## Security',
    '',
    '### Keys',
    documentFacts.md,
    '',
    '```sh',
    '# not a heading: a shell comment',
    '```',
    '',
    '## Backups',
    'Nightly, kept 30 days.',
  ].join('\n');
}

/** A plain text file with `documentFacts.txt`. */
export function buildText(): string {
  return `Office notes\n\nThe kitchen closes at 15:00.\n${documentFacts.txt}\n`;
}

// --- OOXML -----------------------------------------------------------------------------------

const wordNamespaces =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ' +
  'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ' +
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
  'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"';
const relationshipTypes = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A Word paragraph of `text` (XML-escaped), with a paragraph style id when given. */
export function paragraph(text: string, styleId?: string): string {
  const style = styleId ? `<w:pPr><w:pStyle w:val="${styleId}"/></w:pPr>` : '';
  return `<w:p>${style}<w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`;
}

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** One relationship of `word/_rels/document.xml.rels`. */
export interface DocumentRelationship {
  id: string;
  /** The last segment of the relationship type: `image`, `hyperlink`, `attachedTemplate`, ... */
  type: string;
  target: string;
  external?: boolean;
}

/**
 * A DOCX archive: the given `<w:body>` content, heading styles, and extra relationships; the
 * document part may be given as bytes or a stream (for oversized parts) through `documentXml`.
 */
export function buildDocxArchive(
  body: string,
  options: {
    relationships?: DocumentRelationship[];
    documentXml?: string | Readable;
    compressionLevel?: number;
  } = {},
): Promise<Buffer> {
  const relationships = [
    { id: 'rIdStyles', type: 'styles', target: 'styles.xml' },
    ...(options.relationships ?? []),
  ];
  const headingStyle = (level: number) =>
    `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/></w:style>`;
  return zipArchive(
    {
      '[Content_Types].xml':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
        '</Types>',
      '_rels/.rels': relationshipsXml([{ id: 'rId1', type: 'officeDocument', target: 'word/document.xml' }]),
      'word/_rels/document.xml.rels': relationshipsXml(relationships),
      'word/styles.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ${wordNamespaces}>${headingStyle(1)}${headingStyle(2)}<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style></w:styles>`,
      'word/document.xml':
        options.documentXml ??
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${wordNamespaces}><w:body>${body}</w:body></w:document>`,
    },
    options.compressionLevel,
  );
}

/** A minimal XLSX archive with one sheet whose XML (or a stream of it) is given. */
export function buildXlsxArchive(
  sheetXml: string | Readable,
  extraParts: Record<string, string> = {},
  compressionLevel?: number,
): Promise<Buffer> {
  const spreadsheet = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  return zipArchive(
    {
      '[Content_Types].xml':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        '</Types>',
      '_rels/.rels': relationshipsXml([{ id: 'rId1', type: 'officeDocument', target: 'xl/workbook.xml' }]),
      'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${spreadsheet}" xmlns:r="${relationshipTypes}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': relationshipsXml([
        { id: 'rId1', type: 'worksheet', target: 'worksheets/sheet1.xml' },
      ]),
      'xl/worksheets/sheet1.xml': sheetXml,
      ...extraParts,
    },
    compressionLevel,
  );
}

function relationshipsXml(relationships: readonly DocumentRelationship[]): string {
  const items = relationships.map(
    ({ id, type, target, external }) =>
      `<Relationship Id="${id}" Type="${relationshipTypes}/${type}" Target="${escapeXml(target)}"${external ? ' TargetMode="External"' : ''}/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items.join('')}</Relationships>`;
}

/** A ZIP archive of the given parts (text, bytes or streams), deflated, as yazl writes it. */
export async function zipArchive(
  parts: Record<string, string | Buffer | Readable>,
  compressionLevel = 6,
): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = new Date(Date.UTC(2024, 0, 1));
  for (const [name, content] of Object.entries(parts)) {
    if (content instanceof Readable) zip.addReadStream(content, name, { mtime, compressionLevel });
    else zip.addBuffer(Buffer.from(content), name, { mtime, compressionLevel });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A stream of `prefix`, then `size` bytes of `fill`, then `suffix`: an oversized XML part made
 * without holding it in memory.
 */
export function repeatedContent(prefix: string, size: number, suffix: string, fill = 0x20): Readable {
  const block = Buffer.alloc(1024 * 1024, fill);
  return Readable.from(
    (function* () {
      yield Buffer.from(prefix);
      for (let left = size; left > 0; left -= block.length)
        yield left >= block.length ? block : block.subarray(0, left);
      yield Buffer.from(suffix);
    })(),
  );
}

// --- PDF --------------------------------------------------------------------------------------

/**
 * A PDF written object by object (for structures pdf-lib will not write): `objects[i]` is the body
 * of object i + 1; object 1 must be the catalog. The cross-reference table is computed.
 */
export function buildRawPdf(objects: readonly string[]): Buffer {
  let body = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = Buffer.byteLength(body, 'latin1');
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A content stream object drawing `text` with font /F1. */
export function pdfTextStream(text: string): string {
  const content = `BT /F1 12 Tf 72 720 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  return `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
}

export const pdfHelveticaFont = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
