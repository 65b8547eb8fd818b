import { type FileHandle, open } from 'node:fs/promises';
import { constants, createInflate } from 'node:zlib';
import type { ContentFinding } from './knowledge-tables.ts';
import { createPdfActionScanner, scanFile } from './suspicious-content.ts';

/** How much of the file on either side of an `/ObjStm` name is read to find its dictionary's end. */
const DICTIONARY_WINDOW_BYTES = 2048;
/** An object stream is read up to this much, or its /Length when that is a smaller plain number. */
const MAX_STREAM_READ_BYTES = 8 * 1024 * 1024;
/** Object streams hold dictionaries: inflating past this (a bomb) looks no further into one stream. */
const MAX_INFLATED_STREAM_BYTES = 32 * 1024 * 1024;
/** Bytes read and inflated for all object streams of a file together, so a hostile file costs little. */
const MAX_OBJECT_STREAM_WORK_BYTES = 256 * 1024 * 1024;

/**
 * JavaScript and Launch actions of the PDF at `path` (suspicious-content.ts): in its raw bytes,
 * and in its Flate-compressed object streams, where PDF 1.5 writers (pdf-lib's default among
 * them) put the dictionaries that name actions. One finding per code, the raw bytes' first.
 */
export async function scanPdfActions(path: string): Promise<ContentFinding[]> {
  const scanner = createPdfActionScanner();
  const findings = await scanFile(path, scanner);
  const hidden = await scanObjectStreams(path, scanner.objectStreamOffsets);
  return [...findings, ...hidden.filter((finding) => !findings.some((seen) => seen.code === finding.code))];
}

async function scanObjectStreams(path: string, nameOffsets: number[]): Promise<ContentFinding[]> {
  if (nameOffsets.length === 0) return [];
  const found = new Map<string, ContentFinding>();
  const scannedStarts = new Set<number>();
  let workLeft = MAX_OBJECT_STREAM_WORK_BYTES;
  const file = await open(path);
  try {
    for (const nameOffset of nameOffsets) {
      const stream = await locateStream(file, nameOffset);
      if (!stream || scannedStarts.has(stream.start)) continue;
      scannedStarts.add(stream.start);
      const compressed = await readAt(file, stream.start, Math.min(stream.length, workLeft));
      workLeft -= compressed.length;
      const scanner = createPdfActionScanner();
      workLeft -= await inflateInto(compressed, scanner, Math.min(MAX_INFLATED_STREAM_BYTES, workLeft));
      for (const finding of scanner.end()) {
        const location = `object stream at byte ${stream.start}, ${finding.location}`;
        if (!found.has(finding.code)) found.set(finding.code, { ...finding, location });
      }
      if (workLeft <= 0) break;
    }
  } finally {
    await file.close();
  }
  return [...found.values()];
}

/**
 * Where the data of the stream whose dictionary names `/ObjStm` at `nameOffset` begins (after the
 * `stream` keyword and its end of line), and how much of it to read: its /Length when that is a
 * number (a /Length given by reference is not followed), never more than MAX_STREAM_READ_BYTES.
 */
async function locateStream(
  file: FileHandle,
  nameOffset: number,
): Promise<{ start: number; length: number } | undefined> {
  const windowStart = Math.max(0, nameOffset - DICTIONARY_WINDOW_BYTES);
  const window = (await readAt(file, windowStart, 2 * DICTIONARY_WINDOW_BYTES)).toString('latin1');
  const name = nameOffset - windowStart;
  const keyword = /stream\r?\n/.exec(window.slice(name));
  if (!keyword) return undefined;
  const dictionary = window.slice(Math.max(0, window.lastIndexOf('obj', name)), name + keyword.index);
  const length = /\/Length\s+(\d+)(\s+\d+\s+R)?/.exec(dictionary);
  const directLength = length?.[1] !== undefined && length[2] === undefined ? Number(length[1]) : undefined;
  return {
    start: windowStart + name + keyword.index + keyword[0].length,
    length: Math.min(directLength ?? MAX_STREAM_READ_BYTES, MAX_STREAM_READ_BYTES),
  };
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Inflates `compressed` into `scanner`, at most `maxBytes` of output; returns how much it
 * inflated. Bytes after the end of the zlib data (`endstream`) are ignored; what inflated
 * before a corruption is still scanned.
 */
async function inflateInto(
  compressed: Buffer,
  scanner: { push(chunk: Buffer): void },
  maxBytes: number,
): Promise<number> {
  const inflater = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
  inflater.end(compressed);
  let inflatedBytes = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      scanner.push(chunk.subarray(0, maxBytes - inflatedBytes));
      inflatedBytes += chunk.length;
      if (inflatedBytes >= maxBytes) break;
    }
  } catch {
    // Not Flate data, or corrupt: another filter, or a broken file the extraction will report.
  } finally {
    inflater.destroy();
  }
  return Math.min(inflatedBytes, maxBytes);
}
