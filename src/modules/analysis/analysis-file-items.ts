import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { BadRequestError } from '../../platform/http/errors.ts';
import { bytesOf, ITEM_MAX_BYTES, type ItemInput } from './analysis-schemas.ts';
import type { SourceRef } from './analysis-tables.ts';

export interface SourceItem {
  sourceRef: SourceRef;
  input: ItemInput;
}

/** A refusal of a source's content: which item (row, line, message) and what is wrong with it. */
export const invalidSource = (message: string, details: Record<string, unknown> = {}) =>
  new BadRequestError('analysis_source_invalid', message, details);

export const sourceTooLarge = (limit: number) =>
  new BadRequestError('analysis_source_too_large', `The source has more than ${limit} items`, { limit });

function checkSize(input: ItemInput, where: Record<string, unknown>) {
  if (bytesOf(input) > ITEM_MAX_BYTES) throw invalidSource('An item is larger than 100 KB', where);
}

/** A CSV file: one item per data row, an object keyed by the header row's column names. */
async function* csvItems(fileId: string, body: Readable): AsyncGenerator<SourceItem> {
  // Rows as arrays, keyed here: a column named __proto__ stays a column (fromEntries defines own properties).
  const parser = body.pipe(parse({ bom: true, skip_empty_lines: true }));
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record;
        if (new Set(header).size !== header.length || header.some((name) => !name.trim()))
          throw invalidSource('The CSV header must name every column once', { row: 0 });
        continue;
      }
      row++;
      const columns = header;
      const input = Object.fromEntries(columns.map((name, index) => [name, record[index] ?? '']));
      checkSize(input, { row });
      yield { sourceRef: { type: 'file', file_id: fileId, row }, input };
    }
  } catch (error) {
    if (error instanceof BadRequestError) throw error;
    // csv-parse says what is wrong and on which line (its messages name no internals).
    throw invalidSource(
      `The file is not valid CSV: ${error instanceof Error ? error.message : 'unreadable'}`,
      {
        row: row + 1,
      },
    );
  } finally {
    body.destroy();
  }
}

/** A JSON Lines file: one item per non-blank line, a JSON object or a string. */
async function* jsonlItems(fileId: string, body: Readable): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw invalidSource(`Line ${line} is not valid JSON`, { line });
      }
      const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (!isObject && !(typeof value === 'string' && value.length > 0)) {
        throw invalidSource(`Line ${line} must be a JSON object or a non-empty string`, { line });
      }
      const input = value as ItemInput;
      checkSize(input, { line });
      yield { sourceRef: { type: 'file', file_id: fileId, line }, input };
    }
  } finally {
    lines.close();
    body.destroy();
  }
}

/** The format a file is read in: as asked, else CSV for a CSV upload and JSON Lines for a text one. */
export function fileFormat(mimeType: string, asked: 'csv' | 'jsonl' | undefined): 'csv' | 'jsonl' {
  const type = mimeType.split(';')[0]?.trim();
  if (type !== 'text/csv' && type !== 'text/plain') {
    throw invalidSource('The file must be CSV, or JSON Lines uploaded as a .txt file', { mime_type: type });
  }
  return asked ?? (type === 'text/csv' ? 'csv' : 'jsonl');
}

/** The items of an uploaded file, read as a stream; at most `limit` (beyond: 400 analysis_source_too_large). */
export async function readFileItems(
  fileId: string,
  format: 'csv' | 'jsonl',
  body: Readable,
  limit: number,
): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  const reader = format === 'csv' ? csvItems(fileId, body) : jsonlItems(fileId, body);
  for await (const item of reader) {
    if (items.length === limit) {
      await reader.return(undefined);
      throw sourceTooLarge(limit);
    }
    items.push(item);
  }
  return items;
}
