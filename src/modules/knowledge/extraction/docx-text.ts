import mammoth from 'mammoth';
import type { SectionCollector } from './section-collector.ts';

/** The parts of mammoth's document tree that carry text (its element types, lib/documents.js). */
interface DocumentElement {
  type: string;
  children?: DocumentElement[];
  value?: string;
  styleId?: string | null;
  styleName?: string | null;
}

/**
 * A DOCX document (already past the OOXML guard): one section per heading (the heading paragraph
 * first) with the headings above it as `headingPath`; tables as rows of ` | `-separated cells.
 * mammoth reads the document tree and nothing else: no image is read, no external file or URL
 * opened (`externalFileAccess` stays off, and the HTML conversion is given an empty document).
 */
export async function extractDocx(bytes: Buffer, collector: SectionCollector): Promise<void> {
  let body: DocumentElement[] = [];
  await mammoth.convertToHtml(
    { buffer: bytes },
    {
      externalFileAccess: false,
      transformDocument: (document: DocumentElement) => {
        body = document.children ?? [];
        // Only the tree is wanted: HTML of nothing costs nothing (and reads no image).
        return { ...document, children: [] };
      },
    },
  );
  const headings: string[] = [];
  let blocks: string[] = [];
  const flush = () => {
    collector.add(blocks.join('\n\n'), headings.length > 0 ? { headingPath: [...headings] } : {});
    blocks = [];
  };
  for (const element of body) {
    const text = elementText(element).trim();
    const level = element.type === 'paragraph' ? headingLevel(element) : null;
    if (level !== null && text !== '') {
      flush();
      headings.length = Math.min(headings.length, level - 1);
      headings.push(text);
    }
    if (text !== '') blocks.push(text);
  }
  flush();
}

/** The level of a paragraph styled "Heading N" (by style name, else by the built-in style id). */
function headingLevel(paragraph: DocumentElement): number | null {
  const match = /^heading\s*([1-9])$/i.exec(paragraph.styleName ?? paragraph.styleId ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

function elementText(element: DocumentElement): string {
  switch (element.type) {
    case 'text':
      return element.value ?? '';
    case 'tab':
      return '\t';
    case 'break':
      return '\n';
    case 'table':
      return childrenText(element, '\n');
    case 'tableRow':
      return `| ${childrenText(element, ' | ')} |`;
    case 'tableCell':
      return childrenText(element, ' ')
        .replace(/\s*\n\s*/g, ' ')
        .trim();
    default:
      return childrenText(element, '');
  }
}

function childrenText(element: DocumentElement, separator: string): string {
  return (element.children ?? []).map(elementText).join(separator);
}
