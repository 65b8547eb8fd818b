import { createReadStream } from 'node:fs';
import type { ContentFinding } from './knowledge-tables.ts';

/** The size of the chunks a file is read in for its checks. */
export const SCAN_CHUNK_BYTES = 64 * 1024;

/**
 * Looks at a file's bytes chunk by chunk, in order, and reports what it noticed: a finding per
 * kind of thing, at the byte offset where it was first seen. Matches that straddle two chunks are
 * found.
 */
export interface ContentScanner {
  push(chunk: Buffer): void;
  /** Call once, after the last chunk. */
  end(): ContentFinding[];
}

/** Reads the file at `path` through `scanner` and returns what it found. */
export async function scanFile(path: string, scanner: ContentScanner): Promise<ContentFinding[]> {
  const chunks = createReadStream(path, { highWaterMark: SCAN_CHUNK_BYTES }) as AsyncIterable<Buffer>;
  for await (const chunk of chunks) scanner.push(chunk);
  return scanner.end();
}

/** A PDF's scan, which also notes where compressed object streams are (see pdf-action-scan.ts). */
export interface PdfActionScanner extends ContentScanner {
  /** The byte offsets of `/ObjStm` names: dictionaries of object streams, whose content is compressed. */
  readonly objectStreamOffsets: number[];
}

interface Suspect {
  code: string;
  description: string;
}

/** Lowercase ASCII: text is matched case-insensitively (`<SCRIPT` is `<script`). */
const textPatterns: (Suspect & { text: string })[] = [
  { text: '<script', code: 'script_tag', description: 'an HTML script tag' },
  { text: '<iframe', code: 'iframe_tag', description: 'an HTML iframe' },
  { text: 'onerror=', code: 'event_handler', description: 'an HTML event handler' },
  { text: 'javascript:', code: 'javascript_url', description: 'a javascript: URL' },
  { text: 'vbscript:', code: 'vbscript_url', description: 'a vbscript: URL' },
  { text: 'eval(', code: 'eval_call', description: 'a call of eval' },
  { text: 'exec(', code: 'exec_call', description: 'a call of exec' },
  { text: 'system(', code: 'system_call', description: 'a call of system' },
  { text: 'subprocess', code: 'subprocess_reference', description: 'Python’s subprocess module' },
];
const longestTextPattern = Math.max(...textPatterns.map((pattern) => pattern.text.length));

/** PDF names (case-sensitive, as PDF names are) of the actions a viewer may run on opening. */
const pdfActions = new Map<string, Suspect>([
  ['JavaScript', { code: 'pdf_javascript', description: 'JavaScript the viewer may run' }],
  ['JS', { code: 'pdf_javascript', description: 'JavaScript the viewer may run' }],
  ['Launch', { code: 'pdf_launch_action', description: 'an action that opens another file or program' }],
]);

const finding = (suspect: Suspect, shown: string, offset: number): ContentFinding => ({
  code: suspect.code,
  message: `Contains ${shown} (${suspect.description})`,
  location: `byte ${offset}`,
});

/**
 * Scripts and code in text (`<script`, `javascript:`, `eval(`, ...), whatever their case. The
 * patterns are ASCII, so matching bytes is matching UTF-8 text: no multi-byte character contains
 * an ASCII byte.
 */
export function createTextPatternScanner(): ContentScanner {
  const found = new Map<string, ContentFinding>();
  // The end of what was pushed, lowercased: where a match begun in one chunk ends in the next.
  let tail = '';
  let pushedBytes = 0;
  return {
    push(chunk) {
      // Latin-1 maps each byte to one character, and lowercasing keeps it in Latin-1: a string
      // index is a byte offset.
      const window = tail + chunk.toString('latin1').toLowerCase();
      const windowOffset = pushedBytes - tail.length;
      for (const pattern of textPatterns) {
        if (found.has(pattern.code)) continue;
        // A match wholly inside the tail was looked for with the chunk before.
        const index = window.indexOf(pattern.text, Math.max(0, tail.length - pattern.text.length + 1));
        if (index >= 0) found.set(pattern.code, finding(pattern, `"${pattern.text}"`, windowOffset + index));
      }
      pushedBytes += chunk.length;
      tail = window.slice(-(longestTextPattern - 1));
    },
    end: () => [...found.values()],
  };
}

const SOLIDUS = 0x2f;
const NUMBER_SIGN = 0x23;
/** Longer names are none of those looked for; they are skipped rather than collected. */
const MAX_NAME_BYTES = 32;
/** Enough for any real PDF; a file repeating `/ObjStm` does not grow the list without end. */
const MAX_OBJECT_STREAMS = 10_000;
/** PDF whitespace and delimiters (ISO 32000 7.2.2, 7.2.3): each ends a name. */
const nameTerminators = new Set([
  0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x25, 0x28, 0x29, 0x2f, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d,
]);

/**
 * JavaScript and Launch actions in a PDF: the names `/JavaScript`, `/JS` and `/Launch` in the raw
 * bytes, also when spelled with `#xx` escapes (`/J#53`). Content streams may be compressed, but
 * the dictionaries naming actions are not, except inside compressed object streams (PDF 1.5),
 * whose places it notes.
 */
export function createPdfActionScanner(): PdfActionScanner {
  const found = new Map<string, ContentFinding>();
  const objectStreamOffsets: number[] = [];
  // The bytes after a `/`, while a name is being read.
  let name: number[] | undefined;
  let nameOffset = 0;
  let pushedBytes = 0;
  const endName = () => {
    const decoded = name && decodeName(name);
    const action = decoded === undefined ? undefined : pdfActions.get(decoded);
    if (action && !found.has(action.code)) found.set(action.code, finding(action, `/${decoded}`, nameOffset));
    if (decoded === 'ObjStm' && objectStreamOffsets.length < MAX_OBJECT_STREAMS) {
      objectStreamOffsets.push(nameOffset);
    }
    name = undefined;
  };
  return {
    objectStreamOffsets,
    push(chunk) {
      let index = 0;
      while (index < chunk.length) {
        if (name === undefined) {
          const solidus = chunk.indexOf(SOLIDUS, index);
          if (solidus < 0) break;
          name = [];
          nameOffset = pushedBytes + solidus;
          index = solidus + 1;
          continue;
        }
        const byte = chunk[index] as number;
        // The terminator is looked at again: a `/` also begins the next name.
        if (nameTerminators.has(byte)) endName();
        else {
          if (name.length < MAX_NAME_BYTES) name.push(byte);
          else name = undefined;
          index++;
        }
      }
      pushedBytes += chunk.length;
    },
    end() {
      endName();
      return [...found.values()];
    },
  };
}

/** A name's bytes with its `#xx` escapes resolved, as Latin-1 text. */
function decodeName(bytes: number[]): string {
  const decoded: number[] = [];
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    const hex = byte === NUMBER_SIGN ? String.fromCharCode(...bytes.slice(index + 1, index + 3)) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      decoded.push(Number.parseInt(hex, 16));
      index += 2;
    } else decoded.push(byte);
  }
  return Buffer.from(decoded).toString('latin1');
}
