import { describe, expect, it } from 'vitest';
import {
  buildDocx,
  buildDocxArchive,
  documentFacts,
  paragraph,
} from '../../../../test/support/document-fixtures.ts';
import { extractDocx } from './docx-text.ts';
import { SectionCollector } from './section-collector.ts';

async function extract(bytes: Buffer) {
  const collector = new SectionCollector(1_000_000);
  await extractDocx(bytes, collector);
  return collector.sections;
}

describe('extractDocx', () => {
  it('makes a section per heading with the headings above it; tables become rows of cells', async () => {
    expect(await extract(await buildDocx())).toEqual([
      { text: 'Facilities handbook\n\nThis handbook describes the building.', position: {} },
      { text: 'Maintenance\n\nReport faults to the front desk.', position: { headingPath: ['Maintenance'] } },
      {
        text: `Heating\n\n${documentFacts.docx}\n\n| Room | Radiators |\n| Library | 4 |`,
        position: { headingPath: ['Maintenance', 'Heating'] },
      },
      { text: 'Security\n\nDoors lock at 22:00.', position: { headingPath: ['Security'] } },
    ]);
  });

  it('knows headings by their built-in style id when the document has no style names', async () => {
    const bytes = await buildDocxArchive(
      [
        paragraph('Scope', 'heading1'),
        paragraph('Tabs\tand'),
        '<w:p><w:r><w:t>lines</w:t><w:br/><w:t>break</w:t></w:r></w:p>',
      ].join(''),
    );
    expect(await extract(bytes)).toEqual([
      { text: 'Scope\n\nTabs\tand\n\nlines\nbreak', position: { headingPath: ['Scope'] } },
    ]);
  });
});
