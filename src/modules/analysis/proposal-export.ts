import { Readable } from 'node:stream';
import type { ProposalView } from './proposal-schemas.ts';

/** Proposals read per query while an export streams. */
const EXPORT_PAGE_SIZE = 500;

/** A page of proposals after the given item index, in item order. */
export type ProposalPages = (afterIndex: number, limit: number) => Promise<ProposalView[]>;

/** Cells a spreadsheet would run as a formula start with one of these: they are prefixed with `'`. */
const formulaStart = /^[=+\-@\t\r]/;

/** One CSV cell (RFC 4180): text as is, other values as JSON, quoted when it must be. */
export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = formulaStart.test(value) ? `'${value}` : value;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const fixedColumns = ['proposal_id', 'item_index', 'proposal_status', 'review_reason', 'source_ref', 'input'];

/**
 * The CSV columns: the proposal's own, then one per top-level property of the schema (`output`
 * holding the whole object when the schema declares none); a property named like a column of
 * the proposal's own is prefixed `output.`.
 */
export function csvColumns(schema: Record<string, unknown>): { header: string[]; fields: string[] } {
  const properties = schema.properties;
  const fields =
    properties && typeof properties === 'object' && !Array.isArray(properties) ? Object.keys(properties) : [];
  const header = [
    ...fixedColumns,
    ...(fields.length > 0
      ? fields.map((field) => (fixedColumns.includes(field) ? `output.${field}` : field))
      : ['output']),
  ];
  return { header, fields };
}

function csvRow(proposal: ProposalView, fields: string[]): string {
  const cells = [
    proposal.id,
    proposal.item_index,
    proposal.status,
    proposal.reason,
    proposal.source_ref,
    proposal.input,
    ...(fields.length > 0 ? fields.map((field) => proposal.output[field]) : [proposal.output]),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const jsonLine = (proposal: ProposalView) =>
  `${JSON.stringify({
    id: proposal.id,
    item_index: proposal.item_index,
    source_ref: proposal.source_ref,
    input: proposal.input,
    output: proposal.output,
    status: proposal.status,
    reason: proposal.reason,
  })}\n`;

/** A run's proposals as a stream of CSV rows or JSON lines, read page by page as the client reads. */
export function exportStream(
  pages: ProposalPages,
  format: 'csv' | 'jsonl',
  schema: Record<string, unknown>,
): Readable {
  const { header, fields } = csvColumns(schema);
  async function* lines() {
    if (format === 'csv') yield `${header.map(csvCell).join(',')}\r\n`;
    let after = -1;
    for (;;) {
      const page = await pages(after, EXPORT_PAGE_SIZE);
      if (page.length === 0) return;
      yield page
        .map((proposal) => (format === 'csv' ? csvRow(proposal, fields) : jsonLine(proposal)))
        .join('');
      after = (page.at(-1) as ProposalView).item_index;
    }
  }
  return Readable.from(lines());
}
