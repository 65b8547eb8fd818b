import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import type { ContentFinding } from '../knowledge-tables.ts';
import { ExtractionError } from './extraction.ts';
import type { SectionCollector } from './section-collector.ts';
import { TableWriter } from './table-writer.ts';

const delimiters = [',', ';', '\t'] as const;

/**
 * A CSV file, read as it streams: the first record is the header, the others are written as tables
 * of a few rows each with their `rows`; cells a spreadsheet would run as formulas are neutralized
 * and returned as `formula_injection` findings. The delimiter (comma, semicolon or tab) is the one
 * the first line has most of.
 */
export async function extractCsv(path: string, collector: SectionCollector): Promise<ContentFinding[]> {
  const table = new TableWriter(collector, 'the CSV');
  let row = 0;
  try {
    await pipeline(
      createReadStream(path),
      parse({
        delimiter: await sniffDelimiter(path),
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
      }),
      async (records: AsyncIterable<string[]>) => {
        for await (const record of records) {
          if (row === 0) table.setHeader(record);
          else table.addRow(row, record);
          row++;
        }
      },
    );
  } catch (error) {
    if (error instanceof CsvError) {
      throw new ExtractionError(
        'invalid_document',
        `The CSV could not be read near record ${row + 1}: ${error.message}`,
      );
    }
    throw error;
  }
  table.end();
  return table.findings;
}

async function sniffDelimiter(path: string): Promise<string> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(64 * 1024) });
    const firstLine = buffer.subarray(0, bytesRead).toString('utf8').split('\n', 1)[0] ?? '';
    const count = (delimiter: string) => firstLine.split(delimiter).length;
    return delimiters.reduce((best, delimiter) => (count(delimiter) > count(best) ? delimiter : best));
  } finally {
    await file.close();
  }
}
