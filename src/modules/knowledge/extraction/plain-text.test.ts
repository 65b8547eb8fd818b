import { describe, expect, it } from 'vitest';
import { buildMarkdown, documentFacts } from '../../../../test/support/document-fixtures.ts';
import { decodeText, extractMarkdown, extractPlainText } from './plain-text.ts';
import { SectionCollector } from './section-collector.ts';

describe('decodeText', () => {
  it('reads UTF-8 (its byte-order mark dropped) and UTF-16 by its mark, with \\n line ends', () => {
    expect(decodeText(Buffer.from('\uFEFFcafé\r\nnext\rlast', 'utf8'))).toBe('café\nnext\nlast');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('naïve', 'utf16le')]))).toBe(
      'naïve',
    );
    expect(
      decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('ok', 'utf16le').swap16()])),
    ).toBe('ok');
  });

  it('replaces invalid bytes instead of failing', () => {
    expect(decodeText(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\uFFFDb');
  });
});

describe('extractPlainText', () => {
  it('gives the whole text as one trimmed section', () => {
    const collector = new SectionCollector(1_000);
    extractPlainText(Buffer.from(`\n  ${documentFacts.txt}\n\n`), collector);
    expect(collector.sections).toEqual([{ text: documentFacts.txt, position: {} }]);
  });
});

describe('extractMarkdown', () => {
  it('makes a section per heading with the headings above it, and ignores # in fenced code', () => {
    const collector = new SectionCollector(10_000);
    extractMarkdown(Buffer.from(buildMarkdown()), collector);
    expect(collector.sections.map((section) => section.position)).toEqual([
      {},
      { headingPath: ['Operations'] },
      { headingPath: ['Operations', 'Security'] },
      { headingPath: ['Operations', 'Security', 'Keys'] },
      { headingPath: ['Operations', 'Backups'] },
    ]);
    const keys = collector.sections[3];
    expect(keys?.text).toContain(documentFacts.md);
    expect(keys?.text).toContain('# not a heading: a shell comment');
    expect(keys?.text.startsWith('### Keys')).toBe(true);
  });

  it('reads closing hashes and skipped levels', () => {
    const collector = new SectionCollector(10_000);
    extractMarkdown(Buffer.from('# Top #\ntext\n### Deep ###\nmore\n#hashtag is text'), collector);
    expect(collector.sections).toEqual([
      { text: '# Top #\ntext', position: { headingPath: ['Top'] } },
      { text: '### Deep ###\nmore\n#hashtag is text', position: { headingPath: ['Top', 'Deep'] } },
    ]);
  });
});
