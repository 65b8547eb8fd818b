import { describe, expect, it } from 'vitest';
import { describePosition, findSuspiciousText } from './extracted-findings.ts';

describe('findSuspiciousText', () => {
  it('reports script-like text per section with the section as location', () => {
    const findings = findSuspiciousText([
      { text: 'An ordinary page about passwords and how to delete files.', position: { page: 1 } },
      { text: 'Click <SCRIPT>alert(1)</script> then eval(x)', position: { page: 2 } },
      { text: 'import subprocess', position: { sheet: 'Code', rows: [3, 9] } },
    ]);
    expect(findings).toEqual([
      { code: 'suspicious_content', message: expect.stringContaining('<script'), location: 'page 2' },
      { code: 'suspicious_content', message: expect.stringContaining('eval('), location: 'page 2' },
      {
        code: 'suspicious_content',
        message: expect.stringContaining('subprocess'),
        location: 'sheet Code, rows 3-9',
      },
    ]);
  });

  it('keeps 20 findings and counts the rest', () => {
    const sections = Array.from({ length: 30 }, (_, index) => ({
      text: 'javascript:go()',
      position: { page: index + 1 },
    }));
    const findings = findSuspiciousText(sections);
    expect(findings).toHaveLength(21);
    expect(findings.at(-1)).toEqual({
      code: 'suspicious_content',
      message: '10 more passages contain script-like text.',
    });
  });
});

describe('describePosition', () => {
  it('names a position as a person reads it', () => {
    expect(describePosition({ headingPath: ['Setup', 'Install'] })).toBe('Setup > Install');
    expect(describePosition({ rows: [1, 40] })).toBe('rows 1-40');
    expect(describePosition({})).toBe('the text');
  });
});
