import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { csvCell, csvColumns, exportStream } from './proposal-export.ts';
import type { ProposalView } from './proposal-schemas.ts';

it('writes CSV cells as RFC 4180 wants, and defuses spreadsheet formulas', () => {
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a, "b"\nc')).toBe('"a, ""b""\nc"');
  expect(csvCell('=1+1')).toBe("'=1+1");
  expect(csvCell('-2')).toBe("'-2");
  expect(csvCell(-2)).toBe('-2');
  expect(csvCell(null)).toBe('');
  expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
});

it('names a column per top-level property, prefixing those named like the proposal’s own', () => {
  expect(csvColumns({ properties: { category: {}, input: {} } }).header.slice(-2)).toEqual([
    'category',
    'output.input',
  ]);
  expect(csvColumns({ type: 'object' }).header.at(-1)).toBe('output');
});

it('streams every page until an empty one', async () => {
  const proposal = (index: number): ProposalView => ({
    id: `0000000${index}-0000-7000-8000-000000000000`,
    organization_id: '00000000-0000-7000-8000-000000000000',
    run_id: '00000000-0000-7000-8000-000000000001',
    item_index: index,
    source_ref: { type: 'inline', index },
    input: `item ${index}`,
    output: { label: `label ${index}` },
    status: 'pending',
    reason: null,
    reviewed_by_user_id: null,
    reviewed_by_api_key_id: null,
    reviewed_at: null,
    created_at: '2025-06-08T09:00:00.000Z',
  });
  const asked: number[] = [];
  const pages = async (after: number) => {
    asked.push(after);
    return after < 2 ? [proposal(after + 1), proposal(after + 2)] : [];
  };
  let text = '';
  for await (const chunk of exportStream(pages, 'csv', { properties: { label: {} } })) text += chunk;
  const rows: string[][] = parse(text);
  expect(rows.map((row) => row.at(-1))).toEqual(['label', 'label 0', 'label 1', 'label 2', 'label 3']);
  expect(asked).toEqual([-1, 1, 3]);
});
