import type { ContentFinding } from '../knowledge-tables.ts';
import { createTextPatternScanner } from '../suspicious-content.ts';
import type { ExtractedSection } from './extraction.ts';

/** Findings kept per document; the rest are counted in one more. */
const maxFindings = 20;

/**
 * `suspicious_content` findings for script-like text (`<script`, `javascript:`, `eval(`, ...) in a
 * document's extracted text: the upload screening's patterns, applied to what the model will read
 * rather than to the raw bytes (which may be compressed), one per pattern and section, located by
 * the section's position.
 */
export function findSuspiciousText(sections: readonly ExtractedSection[]): ContentFinding[] {
  const findings: ContentFinding[] = [];
  let more = 0;
  for (const section of sections) {
    const scanner = createTextPatternScanner();
    scanner.push(Buffer.from(section.text));
    for (const { message } of scanner.end()) {
      if (findings.length === maxFindings) more++;
      else
        findings.push({ code: 'suspicious_content', message, location: describePosition(section.position) });
    }
  }
  if (more > 0) {
    findings.push({ code: 'suspicious_content', message: `${more} more passages contain script-like text.` });
  }
  return findings;
}

/** A position as a person reads it: "page 3", "sheet Sales, rows 1-40", "Setup > Install". */
export function describePosition(position: ExtractedSection['position']): string {
  const parts: string[] = [];
  if (position.page !== undefined) parts.push(`page ${position.page}`);
  if (position.sheet !== undefined) parts.push(`sheet ${position.sheet}`);
  if (position.rows !== undefined) parts.push(`rows ${position.rows[0]}-${position.rows[1]}`);
  if (position.headingPath !== undefined && position.headingPath.length > 0) {
    parts.push(position.headingPath.join(' > '));
  }
  return parts.length > 0 ? parts.join(', ') : 'the text';
}
