import ExcelJS from 'exceljs';
import type { ContentFinding } from '../knowledge-tables.ts';
import type { SectionCollector } from './section-collector.ts';
import { TableWriter } from './table-writer.ts';

/**
 * An XLSX workbook (already past the OOXML guard): every sheet as tables of a few rows under its
 * first non-empty row, from its first used column, with `sheet` and `rows` (numbered from the row
 * below the header: Excel's row number minus the header's; empty rows are skipped, not renumbered).
 * A formula shows its cached result, never its formula text.
 */
export async function extractXlsx(
  bytes: Buffer,
  collector: SectionCollector,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<ContentFinding[]> {
  const workbook = new ExcelJS.Workbook();
  // exceljs's own Buffer type predates Node's generic one.
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  const findings: ContentFinding[] = [];
  const sheets = workbook.worksheets;
  sheets.forEach((sheet, index) => {
    const rows: { number: number; cells: string[] }[] = [];
    sheet.eachRow((row, number) => {
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      const cells = Array.from(values, (value) => cellText(value as ExcelJS.CellValue));
      if (cells.some((cell) => cell.trim() !== '')) rows.push({ number, cells });
    });
    // A sheet laid out from column C starts its table at column C.
    const firstColumn = rows.reduce(
      (first, { cells }) =>
        Math.min(
          first,
          cells.findIndex((cell) => cell.trim() !== ''),
        ),
      Number.POSITIVE_INFINITY,
    );
    const table = new TableWriter(collector, `sheet ${sheet.name}`, sheet.name);
    const [header, ...data] = rows;
    if (header) table.setHeader(header.cells.slice(firstColumn));
    for (const row of data) table.addRow(row.number - (header?.number ?? 0), row.cells.slice(firstColumn));
    table.end();
    findings.push(...table.findings);
    onProgress(index + 1, sheets.length);
  });
  return findings;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return dateText(value);
  if (typeof value !== 'object') return String(value);
  if ('error' in value) return value.error;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    return value.result === undefined ? '' : cellText(value.result);
  }
  if ('hyperlink' in value) return cellText(value.text as ExcelJS.CellValue);
  return '';
}

function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}
