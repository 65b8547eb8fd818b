import { type Entry, fromBufferPromise, type ZipFile } from 'yauzl';
import { truncateText } from '../../../platform/text/shorten.ts';
import type { ContentFinding } from '../knowledge-tables.ts';
import { ExtractionError, type ExtractionLimits } from './extraction.ts';

/** Entries smaller than this are not held to the ratio: small XML parts compress very well. */
const ratioGraceBytes = 1024 * 1024;
/** External relationships reported per archive. */
const maxLinkFindings = 20;
/** Bytes of one relationships part read for external targets (real ones are a few kilobytes). */
const maxRelationshipsBytes = 1024 * 1024;

// A document type declaration is how XML defines entities: external ones read files and URLs
// (XXE), nested ones expand exponentially (billion laughs). No Office part needs one. Checked in
// every encoding an XML parser may detect.
const refusedMarkup = ['<!DOCTYPE', '<!ENTITY'].flatMap((markup) => [
  Buffer.from(markup, 'utf8'),
  Buffer.from(markup, 'utf16le'),
  Buffer.from(markup, 'utf16le').swap16(),
]);
const overlap = Math.max(...refusedMarkup.map((pattern) => pattern.length)) - 1;

type ArchiveLimits = Pick<ExtractionLimits, 'maxArchiveEntries' | 'maxArchiveBytes' | 'maxArchiveRatio'>;

/**
 * Checks a DOCX or XLSX archive before mammoth or exceljs inflate it, by inflating every entry
 * once as a stream: refuses too many entries, a declared uncompressed total above
 * `maxArchiveBytes`, a large entry compressed more than `maxArchiveRatio` to 1, an entry that
 * inflates to more than its directory declares (a lying header: the bytes are counted as they
 * come, so declared sizes bound the real ones), encrypted entries, and any part with a
 * `<!DOCTYPE` or `<!ENTITY`. Returns an `external_link` finding for each relationship that
 * targets something outside the file (a linked image, a hyperlink, a remote template).
 */
export async function checkOoxmlArchive(bytes: Buffer, limits: ArchiveLimits): Promise<ContentFinding[]> {
  let zip: ZipFile;
  try {
    zip = await fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: false });
  } catch (error) {
    throw damagedArchive(error);
  }
  try {
    if (zip.entryCount > limits.maxArchiveEntries) {
      throw new ExtractionError(
        'archive_too_many_entries',
        `The document's archive has ${zip.entryCount.toLocaleString('en-US')} parts; at most ${limits.maxArchiveEntries.toLocaleString('en-US')} are accepted.`,
      );
    }
    const findings: ContentFinding[] = [];
    let declaredTotal = 0;
    for await (const entry of zip.eachEntry()) {
      declaredTotal += entry.uncompressedSize;
      checkDeclaredSize(entry, declaredTotal, limits);
      if (entry.fileName.endsWith('/')) continue;
      const relationships = await scanEntry(zip, entry);
      if (relationships !== null) findings.push(...externalLinks(entry.fileName, relationships));
    }
    if (findings.length > maxLinkFindings) {
      const more = findings.length - maxLinkFindings;
      findings.length = maxLinkFindings;
      findings.push({
        code: 'external_link',
        message: `${more} more external references were found (none is fetched).`,
      });
    }
    return findings;
  } catch (error) {
    throw error instanceof ExtractionError ? error : damagedArchive(error);
  } finally {
    zip.close();
  }
}

function checkDeclaredSize(entry: Entry, declaredTotal: number, limits: ArchiveLimits) {
  if (entry.isEncrypted()) {
    throw new ExtractionError(
      'document_encrypted',
      'The document is encrypted; upload it without a password.',
    );
  }
  if (declaredTotal > limits.maxArchiveBytes) {
    throw new ExtractionError(
      'archive_too_large',
      `The document unpacks to more than ${megabytes(limits.maxArchiveBytes)}, the most a file may unpack to.`,
      { part: entry.fileName },
    );
  }
  if (
    entry.uncompressedSize > ratioGraceBytes &&
    entry.uncompressedSize > entry.compressedSize * limits.maxArchiveRatio
  ) {
    throw new ExtractionError(
      'archive_ratio_exceeded',
      `A part of the document is compressed more than ${limits.maxArchiveRatio} to 1, as zip bombs are; it was not unpacked.`,
      { part: entry.fileName },
    );
  }
}

/** Inflates one entry, counting and scanning its bytes; returns its text when it is a relationships part. */
async function scanEntry(zip: ZipFile, entry: Entry): Promise<string | null> {
  const relationships = entry.fileName.endsWith('.rels') ? ([] as Buffer[]) : null;
  let relationshipsBytes = 0;
  let inflated = 0;
  let tail = Buffer.alloc(0);
  const stream = await zip.openReadStreamPromise(entry);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    inflated += chunk.length;
    if (inflated > entry.uncompressedSize) {
      throw new ExtractionError(
        'archive_size_mismatch',
        `A part of the document unpacks to more than the ${entry.uncompressedSize.toLocaleString('en-US')} bytes its archive declares, as crafted files do; it was refused.`,
        { part: entry.fileName },
      );
    }
    // The tail of the previous chunk catches markup split across two chunks.
    const seam = Buffer.concat([tail, chunk.subarray(0, overlap)]);
    if (refusedMarkup.some((pattern) => chunk.includes(pattern) || seam.includes(pattern))) {
      throw new ExtractionError(
        'xml_entities_refused',
        'The document declares XML entities (a DOCTYPE), which Office files never need and attacks use; it was refused.',
        { part: entry.fileName },
      );
    }
    tail = Buffer.from(
      chunk.length >= overlap ? chunk.subarray(chunk.length - overlap) : seam.subarray(-overlap),
    );
    if (relationships !== null && relationshipsBytes < maxRelationshipsBytes) {
      relationships.push(chunk);
      relationshipsBytes += chunk.length;
    }
  }
  return relationships === null ? null : Buffer.concat(relationships).toString('utf8');
}

const relationshipTag = /<Relationship\b[^>]*>/g;
const relationshipNames: Record<string, string> = {
  image: 'image',
  hyperlink: 'link',
  attachedTemplate: 'template',
  oleObject: 'embedded object',
  externalLinkPath: 'workbook',
  frame: 'frame',
};

function externalLinks(part: string, relationships: string): ContentFinding[] {
  const findings: ContentFinding[] = [];
  for (const [tag] of relationships.matchAll(relationshipTag)) {
    if (attribute(tag, 'TargetMode') !== 'External') continue;
    const type = attribute(tag, 'Type')?.split('/').pop() ?? '';
    const target = truncateText(attribute(tag, 'Target') ?? '', 200);
    findings.push({
      code: 'external_link',
      message: `The document refers to an external ${relationshipNames[type] ?? 'resource'}: ${target} (it is not fetched).`,
      location: part,
    });
  }
  return findings;
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}\\s*=\\s*(["'])(.*?)\\1`).exec(tag)?.[2];
  return value
    ?.replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

function damagedArchive(error: unknown): ExtractionError {
  return new ExtractionError(
    'invalid_document',
    'The file is not a readable Office document: its archive is damaged.',
    {
      reason: error instanceof Error ? error.message : String(error),
    },
  );
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024)).toLocaleString('en-US')} MB`;
}
