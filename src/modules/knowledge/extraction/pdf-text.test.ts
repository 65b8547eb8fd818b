import { describe, expect, it } from 'vitest';
import { buildPdf, documentFacts } from '../../../../test/support/document-fixtures.ts';
import { buildHtmlPage } from '../../../../test/support/hostile-document-fixtures.ts';
import { ExtractionError } from './extraction.ts';
import { extractPdf } from './pdf-text.ts';
import { SectionCollector } from './section-collector.ts';

describe('extractPdf', () => {
  it('gives a section per page, the fact on page 3, and reports each page read', async () => {
    const collector = new SectionCollector(1_000_000);
    const progress: number[] = [];
    const { pageCount } = await extractPdf(await buildPdf({ pages: 5, factPage: 3 }), collector, {
      maxPages: 10,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(pageCount).toBe(5);
    expect(progress).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(collector.sections.map((section) => section.position)).toEqual(
      [1, 2, 3, 4, 5].map((page) => ({ page })),
    );
    const withFact = collector.sections.filter((section) => section.text.includes(documentFacts.pdf));
    expect(withFact.map((section) => section.position)).toEqual([{ page: 3 }]);
    expect(collector.sections[0]?.text).toMatch(
      /^Harbour operations manual, page 1\.\nSection 1\.1: routine checks/,
    );
  });

  it('refuses a PDF with more pages than allowed before reading any page', async () => {
    const collector = new SectionCollector(1_000_000);
    const error = await extractPdf(await buildPdf({ pages: 3 }), collector, { maxPages: 2 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({
      code: 'too_many_pages',
      message: 'The PDF has 3 pages; at most 2 are read.',
    });
    expect(collector.sections).toEqual([]);
  });

  it('refuses bytes that are not a PDF', async () => {
    const error = await extractPdf(Buffer.from(buildHtmlPage()), new SectionCollector(1_000), {
      maxPages: 2,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_document', message: 'The file is not a readable PDF.' });
  });
});
