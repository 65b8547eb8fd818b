import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDirectory } from '../../../../test/support/document-fixtures.ts';
import { buildPlainZip } from '../../../../test/support/hostile-document-fixtures.ts';
import { extractDocument } from './extract-document.ts';
import { defaultExtractionLimits, ExtractionError, extractedCharCount, joinSections } from './extraction.ts';

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
beforeAll(async () => {
  fixtures = await createFixtureDirectory();
});
afterAll(() => fixtures.remove());

describe('extractDocument', () => {
  it('adds findings for script-like text to what the extractor found', async () => {
    const path = await fixtures.write(
      'notes.md',
      '# Tips\nUse <script>x</script> nowhere.\n\n# Other\nPlain.',
    );
    const extraction = await extractDocument(path, 'md', defaultExtractionLimits);
    expect(extraction.pageCount).toBeNull();
    expect(extraction.findings).toEqual([
      { code: 'suspicious_content', message: expect.stringContaining('<script'), location: 'Tips' },
    ]);
    expect(extractedCharCount(extraction.sections)).toBe(joinSections(extraction.sections).length);
  });

  it('refuses text beyond maxChars, counting the separators between sections', async () => {
    const path = await fixtures.write('long.md', `# A\n${'x'.repeat(40)}\n# B\n${'y'.repeat(40)}`);
    const limits = { ...defaultExtractionLimits, maxChars: 89 };
    const error = await extractDocument(path, 'md', limits).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({
      code: 'text_too_long',
      message: 'The document has more than 89 characters of text, the most a file may have.',
    });
    const fits = await extractDocument(path, 'md', { ...limits, maxChars: 90 });
    expect(extractedCharCount(fits.sections)).toBe(90);
  });

  it("turns a library's failure into a readable invalid_document error", async () => {
    const path = await fixtures.write('plain.docx', await buildPlainZip());
    const error = await extractDocument(path, 'docx', defaultExtractionLimits).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ExtractionError);
    expect(error).toMatchObject({
      code: 'invalid_document',
      message: 'The Word document could not be read; it may be damaged.',
      details: { reason: expect.any(String) },
    });
  });
});
