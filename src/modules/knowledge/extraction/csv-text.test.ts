import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCsv,
  createFixtureDirectory,
  documentFacts,
} from '../../../../test/support/document-fixtures.ts';
import { buildFormulaInjectionCsv } from '../../../../test/support/hostile-document-fixtures.ts';
import { extractCsv } from './csv-text.ts';
import { ExtractionError } from './extraction.ts';
import { SectionCollector } from './section-collector.ts';

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
beforeAll(async () => {
  fixtures = await createFixtureDirectory();
});
afterAll(() => fixtures.remove());

async function extract(name: string, content: string) {
  const collector = new SectionCollector(10_000_000);
  const findings = await extractCsv(await fixtures.write(name, content), collector);
  return { sections: collector.sections, findings };
}

describe('extractCsv', () => {
  it('writes the rows as a table under the header, with their data row numbers', async () => {
    const { sections, findings } = await extract('inventory.csv', buildCsv());
    expect(findings).toEqual([]);
    expect(sections).toEqual([
      {
        text: [
          '| item | room | value |',
          '| --- | --- | --- |',
          '| Oak desk | Study | 350 |',
          '| Globe | Library | 120 |',
          `| ${documentFacts.csv} | Observatory | -3.5 |`,
          '| Map, framed | Hall | 80 |',
        ].join('\n'),
        position: { rows: [1, 4] },
      },
    ]);
  });

  it('splits many rows into sections, each under the header, covering every row once', async () => {
    const rows = Array.from({ length: 300 }, (_, index) => `${index + 1};item number ${index + 1};x`);
    const { sections } = await extract('semicolons.csv', ['id;name;flag', ...rows].join('\r\n'));
    expect(sections.length).toBeGreaterThan(5);
    let next = 1;
    for (const section of sections) {
      expect(section.text.startsWith('| id | name | flag |\n| --- | --- | --- |\n')).toBe(true);
      expect(section.position.rows?.[0]).toBe(next);
      next = (section.position.rows?.[1] ?? 0) + 1;
    }
    expect(next).toBe(301);
    expect(sections.at(-1)?.text).toContain('| 300 | item number 300 | x |');
  });

  it('neutralizes formula cells and reports each, but leaves plain negative numbers alone', async () => {
    const { sections, findings } = await extract('formulas.csv', buildFormulaInjectionCsv());
    const text = sections.map((section) => section.text).join('\n');
    expect(text).toContain(`| Alice | '=HYPERLINK("http://127.0.0.1/x","click") | -3.5 |`);
    expect(text).toContain("| Bob | '+cmd\\|' /C calc'!A0 | 12 |");
    expect(text).toContain("| Carol | '@SUM(1+1)*cmd\\|' /C calc'!A0 | +4 |");
    expect(text).toContain("| Dan | '-2+3+cmd\\|' /C calc'!A0 | 7 |");
    expect(findings.map((finding) => [finding.code, finding.location])).toEqual([
      ['formula_injection', 'the CSV, row 1, column comment'],
      ['formula_injection', 'the CSV, row 2, column comment'],
      ['formula_injection', 'the CSV, row 3, column comment'],
      ['formula_injection', 'the CSV, row 4, column comment'],
    ]);
  });

  it('keeps at most 20 formula findings and counts the rest', async () => {
    const rows = Array.from({ length: 50 }, (_, index) => `=${index}+1,@x`);
    const { findings } = await extract('many.csv', ['a,b', ...rows].join('\n'));
    expect(findings).toHaveLength(21);
    expect(findings.at(-1)?.message).toMatch(/^80 more cells/);
  });

  it('refuses a CSV it cannot parse, with a readable error', async () => {
    const error = await extract('broken.csv', 'a,b\n"unclosed,1\n').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({
      code: 'invalid_document',
      message: expect.stringMatching(/^The CSV could not be read/),
    });
  });
});
