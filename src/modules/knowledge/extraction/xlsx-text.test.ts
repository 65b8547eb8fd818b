import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { buildXlsx, documentFacts } from '../../../../test/support/document-fixtures.ts';
import { SectionCollector } from './section-collector.ts';
import { extractXlsx } from './xlsx-text.ts';

describe('extractXlsx', () => {
  it('writes every sheet as a table with its sheet and data rows; formulas show their cached result', async () => {
    const collector = new SectionCollector(1_000_000);
    const progress: [number, number][] = [];
    const findings = await extractXlsx(await buildXlsx(), collector, (done, total) =>
      progress.push([done, total]),
    );
    expect(findings).toEqual([]);
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(collector.sections).toEqual([
      {
        text: [
          '| Region | Quarter | Revenue |',
          '| --- | --- | --- |',
          '| North | Q1 | 1200 |',
          '| South | Q1 | 800 |',
          '| Total | Q1 | 2000 |',
        ].join('\n'),
        position: { sheet: 'Sales', rows: [1, 3] },
      },
      {
        text: [
          '| Name | Role | Since |',
          '| --- | --- | --- |',
          `| Ingrid Solberg | ${documentFacts.xlsx} | 2019-04-01 |`,
          '| Tomas Berg | Surveyor | 2021-09-15 |',
        ].join('\n'),
        position: { sheet: 'Staff', rows: [1, 2] },
      },
    ]);
    expect(collector.sections[0]?.text).not.toContain('SUM(');
  });

  it('starts a sheet at its first non-empty row, numbers rows from it, and neutralizes formula-like text', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Odd');
    sheet.getCell('B3').value = 'Key';
    sheet.getCell('C3').value = 'Value';
    sheet.getCell('B5').value = 'link';
    sheet.getCell('C5').value = { text: 'the site', hyperlink: 'https://example.com' };
    sheet.getCell('B6').value = '=cmd|calc';
    sheet.getCell('C6').value = { richText: [{ text: 'bold ' }, { text: 'words' }] };
    const collector = new SectionCollector(1_000_000);
    const findings = await extractXlsx(Buffer.from(await workbook.xlsx.writeBuffer()), collector);
    expect(collector.sections).toEqual([
      {
        text: "| Key | Value |\n| --- | --- |\n| link | the site |\n| '=cmd\\|calc | bold words |",
        position: { sheet: 'Odd', rows: [2, 3] },
      },
    ]);
    expect(findings).toEqual([
      expect.objectContaining({ code: 'formula_injection', location: 'sheet Odd, row 3, column Key' }),
    ]);
  });
});
