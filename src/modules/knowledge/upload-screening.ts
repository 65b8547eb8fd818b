import { stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { type FileTypeResult, fileTypeFromFile } from 'file-type';
import { BadRequestError } from '../../platform/http/errors.ts';
import type { ContentFinding, DocumentKind } from './knowledge-tables.ts';
import { scanPdfActions } from './pdf-action-scan.ts';
import { safeFilename } from './safe-filename.ts';
import { type ContentScanner, createTextPatternScanner, scanFile } from './suspicious-content.ts';

type TextKind = Extract<DocumentKind, 'txt' | 'csv' | 'md'>;
type BinaryKind = Exclude<DocumentKind, TextKind>;

const kindByExtension: Readonly<Record<string, DocumentKind>> = {
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.xlsx': 'xlsx',
  '.csv': 'csv',
  '.md': 'md',
  '.txt': 'txt',
};
const allowedExtensions = Object.keys(kindByExtension);

/** What the bytes of each binary kind must be detected as (file-type tells docx and xlsx apart). */
const binaryMimeTypes: Readonly<Record<BinaryKind, string>> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const textMimeTypes: Readonly<Record<TextKind, string>> = {
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

/** Executables, scripts and active web content (seed 000's list and their relatives). */
const blockedExtensions = new Set([
  ...['.exe', '.com', '.scr', '.pif', '.msi', '.dll', '.so', '.dylib', '.jar', '.apk', '.lnk', '.reg'],
  ...['.bat', '.cmd', '.ps1', '.vbs', '.vbe', '.wsf', '.hta', '.js', '.mjs', '.cjs', '.jse'],
  ...['.sh', '.bash', '.zsh', '.py', '.pl', '.rb', '.php', '.phtml', '.phar'],
  ...['.html', '.htm', '.xhtml', '.svg'],
]);

export interface ScreeningOptions {
  /** What suspicious content (scripts in text, JavaScript in a PDF) does: noted, or refused. */
  suspicious: 'flag' | 'reject';
}

/** An upload that passed screening: its safe name, what it is, and what was noticed in it. */
export interface ScreenedUpload {
  filename: string;
  kind: DocumentKind;
  /** The detected type, or for text the declared one with its charset; served with downloads. */
  mimeType: string;
  findings: ContentFinding[];
}

/**
 * Checks an upload received to `path` against its declared name (DESIGN section 7): the
 * extension must be allowed, the file not empty, its bytes what the extension says (magic
 * bytes; text is UTF-8 without NUL bytes), and suspicious content is flagged or refused.
 * Refusals are 400s: file_type_not_allowed, file_type_blocked, file_empty, file_content_mismatch,
 * file_not_text, file_suspicious.
 */
export async function screenUpload(
  path: string,
  declaredName: string,
  options: ScreeningOptions,
): Promise<ScreenedUpload> {
  const filename = safeFilename(declaredName);
  const extension = extensionOf(filename);
  const kind = kindOf(filename, extension);
  if ((await stat(path)).size === 0) {
    throw new BadRequestError('file_empty', `The file ${filename} is empty`);
  }
  const detected = await fileTypeFromFile(path);
  const mimeType = isTextKind(kind)
    ? textMimeType(kind, extension, detected)
    : binaryMimeType(kind, extension, detected);
  const findings = isTextKind(kind)
    ? await scanText(path, extension)
    : kind === 'pdf'
      ? await scanPdfActions(path)
      : [];
  if (findings.length > 0 && options.suspicious === 'reject') {
    const codes = findings.map((finding) => finding.code).join(', ');
    throw new BadRequestError(
      'file_suspicious',
      `The file ${filename} contains content that looks like a script or code (${codes})`,
      { findings },
    );
  }
  return { filename, kind, mimeType, findings };
}

/** The last extension, lowercased: `report.pdf.exe` is an `.exe`. */
function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(dot).toLowerCase() : '';
}

function kindOf(filename: string, extension: string): DocumentKind {
  const accepted = `upload one of ${allowedExtensions.join(', ')}`;
  if (blockedExtensions.has(extension)) {
    throw new BadRequestError('file_type_blocked', `Files of type ${extension} are refused for security`, {
      extension,
      allowedExtensions,
    });
  }
  const kind = kindByExtension[extension];
  if (kind) return kind;
  throw new BadRequestError(
    'file_type_not_allowed',
    extension
      ? `Files of type ${extension} are not accepted; ${accepted}`
      : `The file name ${filename} has no extension; ${accepted}`,
    { extension, allowedExtensions },
  );
}

function isTextKind(kind: DocumentKind): kind is TextKind {
  return Object.hasOwn(textMimeTypes, kind);
}

function binaryMimeType(kind: BinaryKind, extension: string, detected: FileTypeResult | undefined): string {
  const expected = binaryMimeTypes[kind];
  if (detected?.mime !== expected) throw contentMismatch(extension, detected);
  return expected;
}

/** Text has no magic bytes: anything detected must itself be a text format (XML, vCard, ...). */
function textMimeType(kind: TextKind, extension: string, detected: FileTypeResult | undefined): string {
  if (detected && !detected.mime.startsWith('text/') && detected.mime !== 'application/xml') {
    throw contentMismatch(extension, detected);
  }
  return textMimeTypes[kind];
}

function contentMismatch(extension: string, detected: FileTypeResult | undefined): BadRequestError {
  const content = detected
    ? `a .${detected.ext} file (${detected.mime})`
    : `not recognisable as ${extension}`;
  return new BadRequestError(
    'file_content_mismatch',
    `The file is named ${extension} but its content is ${content}`,
    { extension, detectedMimeType: detected?.mime ?? null },
  );
}

/** Checks that text is UTF-8 (a byte order mark is fine) without NUL bytes, scanning it meanwhile. */
async function scanText(path: string, extension: string): Promise<ContentFinding[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const notText = (problem: string) =>
    new BadRequestError('file_not_text', `The ${extension} file ${problem}`, { extension });
  const patterns = createTextPatternScanner();
  const textChecks: ContentScanner = {
    push(chunk) {
      if (chunk.includes(0)) throw notText('contains NUL bytes, which text does not');
      if (!decodes(decoder, chunk)) throw notText('is not valid UTF-8 text');
      patterns.push(chunk);
    },
    end() {
      // A multi-byte character cut off by the end of the file.
      if (!decodes(decoder)) throw notText('is not valid UTF-8 text');
      return patterns.end();
    },
  };
  return scanFile(path, textChecks);
}

/** Whether the chunk (none: the end of the input) continues valid UTF-8. */
function decodes(decoder: TextDecoder, chunk?: Buffer): boolean {
  try {
    decoder.decode(chunk, { stream: chunk !== undefined });
    return true;
  } catch {
    return false;
  }
}
