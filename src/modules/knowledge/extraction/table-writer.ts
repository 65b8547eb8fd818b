import type { ContentFinding } from '../knowledge-tables.ts';
import type { SectionCollector } from './section-collector.ts';

/** The characters of a section of table rows: a few dozen ordinary rows, under one chunk. */
const sectionChars = 1_000;
/** Formula-injection findings kept per table; the rest are counted in one more finding. */
const maxInjectionFindings = 20;

// A spreadsheet program runs a cell starting with one of these as a formula (OWASP CSV injection).
const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Writes a table (a CSV file, an XLSX sheet) as Markdown tables of a few rows each, every one
 * under the header row, and neutralizes cells a spreadsheet would run as formulas (`=HYPERLINK(…)`,
 * `+cmd|…`, `@SUM(…)`) by prefixing `'`, recording a `formula_injection` finding for each. A plain
 * signed number (-3.5) is data, not a formula.
 */
export class TableWriter {
  readonly findings: ContentFinding[] = [];
  readonly #collector: SectionCollector;
  readonly #label: string;
  readonly #sheet: string | undefined;
  #header: string[] | null = null;
  #headerLine = '';
  #lines: string[] = [];
  #blockChars = 0;
  #firstRow = 0;
  #lastRow = 0;
  #injections = 0;

  /** `label` names the table in findings' locations ("sheet Sales", "the CSV"). */
  constructor(collector: SectionCollector, label: string, sheet?: string) {
    this.#collector = collector;
    this.#label = label;
    this.#sheet = sheet;
  }

  /** The header row; the first row given, before any `addRow`. */
  setHeader(cells: readonly string[]): void {
    this.#header = cells.map((cell, column) => this.#cell(cell, `header, column ${column + 1}`));
  }

  /** A data row, `row` its 1-based number below the header. */
  addRow(row: number, cells: readonly string[]): void {
    const header = this.#header ?? [];
    const columns = Math.max(header.length, cells.length);
    if (this.#headerLine === '' || header.length < columns) this.#setColumns(columns);
    const names = this.#header ?? [];
    const rendered = cells.map((cell, column) =>
      this.#cell(cell, `row ${row}, column ${names[column] || column + 1}`),
    );
    while (rendered.length < columns) rendered.push('');
    const line = `| ${rendered.join(' | ')} |`;
    if (this.#lines.length > 0 && this.#blockChars + line.length > sectionChars) this.#flush();
    if (this.#lines.length === 0) this.#firstRow = row;
    this.#lines.push(line);
    this.#blockChars += line.length + 1;
    this.#lastRow = row;
  }

  /** Writes the last rows (the header alone when there were none) and the count of findings left out. */
  end(): void {
    if (this.#headerLine === '' && this.#header !== null) {
      this.#collector.add(
        `| ${this.#header.join(' | ')} |`,
        this.#sheet === undefined ? {} : { sheet: this.#sheet },
      );
    }
    this.#flush();
    if (this.#injections > maxInjectionFindings) {
      this.findings.push({
        code: 'formula_injection',
        message: `${this.#injections - maxInjectionFindings} more cells that start like a spreadsheet formula were neutralized.`,
        location: this.#label,
      });
    }
  }

  #setColumns(columns: number) {
    const header = [...(this.#header ?? [])];
    while (header.length < columns) header.push('');
    this.#header = header;
    this.#flush();
    this.#headerLine = `| ${header.join(' | ')} |\n|${' --- |'.repeat(columns)}`;
  }

  #flush() {
    if (this.#lines.length === 0) return;
    const position = {
      ...(this.#sheet === undefined ? {} : { sheet: this.#sheet }),
      rows: [this.#firstRow, this.#lastRow] as [number, number],
    };
    this.#collector.add(`${this.#headerLine}\n${this.#lines.join('\n')}`, position);
    this.#lines = [];
    this.#blockChars = 0;
  }

  #cell(value: string, where: string): string {
    let text = value;
    if (formulaStart.test(text) && !plainNumber.test(text.trim())) {
      this.#injections++;
      if (this.#injections <= maxInjectionFindings) {
        this.findings.push({
          code: 'formula_injection',
          message: 'A cell starts like a spreadsheet formula; it was neutralized with a leading apostrophe.',
          location: `${this.#label}, ${where}`,
        });
      }
      text = `'${text}`;
    }
    return text.replace(/\s*[\r\n]+\s*/g, ' ').replaceAll('|', '\\|');
  }
}
