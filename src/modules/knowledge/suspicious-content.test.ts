import { describe, expect, it } from 'vitest';
import {
  type ContentScanner,
  createPdfActionScanner,
  createTextPatternScanner,
} from './suspicious-content.ts';

/** Pushes `parts` as separate chunks, in order. */
function scan(scanner: ContentScanner, ...parts: (string | Buffer)[]) {
  for (const part of parts) scanner.push(Buffer.isBuffer(part) ? part : Buffer.from(part));
  return scanner.end();
}

describe('the text pattern scanner', () => {
  it('finds scripts and code calls whatever their case, at their byte offsets', () => {
    const findings = scan(
      createTextPatternScanner(),
      'Hello <SCRIPT>alert(1)</script> and <a href="JavaScript:go()">x</a>; Eval(code)',
    );
    expect(findings).toEqual([
      { code: 'script_tag', message: 'Contains "<script" (an HTML script tag)', location: 'byte 6' },
      { code: 'javascript_url', message: 'Contains "javascript:" (a javascript: URL)', location: 'byte 45' },
      { code: 'eval_call', message: 'Contains "eval(" (a call of eval)', location: 'byte 69' },
    ]);
  });

  it('reports each kind once, at its first occurrence', () => {
    const findings = scan(createTextPatternScanner(), 'exec(a) exec(b)', ' exec(c)');
    expect(findings).toEqual([expect.objectContaining({ code: 'exec_call', location: 'byte 0' })]);
  });

  it('finds a pattern split across chunks, at its offset in the whole input', () => {
    const findings = scan(createTextPatternScanner(), 'abc<ifr', 'ame src=x>', 'import sub', 'process');
    expect(findings).toEqual([
      expect.objectContaining({ code: 'iframe_tag', location: 'byte 3' }),
      expect.objectContaining({ code: 'subprocess_reference', location: 'byte 24' }),
    ]);
  });

  it('finds a pattern spread over many one-byte chunks', () => {
    const findings = scan(createTextPatternScanner(), ...'xx<img onerror=run()>'.split(''));
    expect(findings).toEqual([expect.objectContaining({ code: 'event_handler', location: 'byte 7' })]);
  });

  it('counts bytes, not characters, in multi-byte UTF-8 text', () => {
    const findings = scan(createTextPatternScanner(), 'Größe: ', 'os.system("rm")');
    expect(findings).toEqual([expect.objectContaining({ code: 'system_call', location: 'byte 12' })]);
  });

  it('finds nothing in ordinary text, including words like password, delete and evaluation', () => {
    const text =
      'Reset your password, then delete the evaluation report. The system is described in chapter 3.';
    expect(scan(createTextPatternScanner(), text)).toEqual([]);
  });
});

describe('the PDF action scanner', () => {
  it('finds JavaScript and Launch actions by their names', () => {
    const scanner = createPdfActionScanner();
    const findings = scan(
      scanner,
      '1 0 obj << /Type /Action /S /JavaScript /JS (app.alert(1)) >> endobj\n',
      '2 0 obj <</S/Launch/F(calc.exe)>> endobj',
    );
    expect(findings).toEqual([
      {
        code: 'pdf_javascript',
        message: 'Contains /JavaScript (JavaScript the viewer may run)',
        location: 'byte 28',
      },
      {
        code: 'pdf_launch_action',
        message: 'Contains /Launch (an action that opens another file or program)',
        location: 'byte 81',
      },
    ]);
    expect(scanner.objectStreamOffsets).toEqual([]);
  });

  it('finds names spelled with #xx escapes', () => {
    expect(scan(createPdfActionScanner(), '<< /S /J#53 (x) >>')).toEqual([
      expect.objectContaining({ code: 'pdf_javascript', message: expect.stringContaining('/JS') }),
    ]);
    expect(scan(createPdfActionScanner(), '<</S/#4caunch>>')).toEqual([
      expect.objectContaining({ code: 'pdf_launch_action' }),
    ]);
  });

  it('finds a name split across chunks, and one ending the input', () => {
    expect(scan(createPdfActionScanner(), '<< /S /Java', 'Script >>')).toEqual([
      expect.objectContaining({ code: 'pdf_javascript', location: 'byte 6' }),
    ]);
    expect(scan(createPdfActionScanner(), '/La', 'unch')).toEqual([
      expect.objectContaining({ code: 'pdf_launch_action', location: 'byte 0' }),
    ]);
  });

  it('does not mistake other names or text for actions', () => {
    const findings = scan(
      createPdfActionScanner(),
      '<< /JSON 1 /JavaScripts 2 /js 3 /Launcher 4 >> (JavaScript) stream\nBT /F1 12 Tf (Launch) Tj ET',
    );
    expect(findings).toEqual([]);
  });

  it('notes where compressed object streams are', () => {
    const scanner = createPdfActionScanner();
    scan(scanner, '5 0 obj << /Type /ObjStm /N 3 >> stream\n', '6 0 obj <</Type/Obj#53tm>>');
    expect(scanner.objectStreamOffsets).toEqual([17, 55]);
  });

  it('skips binary data quickly and without findings', () => {
    const binary = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < binary.length; index++) binary[index] = (index * 7919) % 256;
    expect(scan(createPdfActionScanner(), binary)).toEqual([]);
  });
});
