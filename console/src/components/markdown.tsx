import type { ReactNode } from 'react';
import './markdown.css';

/**
 * Model output (and what users typed) shown as markdown, built as React elements only: the text is
 * never parsed as HTML, so raw HTML in it stays text. Links are kept only for http:, https: and
 * mailto:; images are never loaded (their alt text is shown), so a message cannot make the browser
 * fetch a tracker or run a script.
 */
export function Markdown({ text, className = 'markdown' }: { text: string; className?: string }) {
  return <div className={className}>{blocks(text.replace(/\r\n?/g, '\n').split('\n'), 0)}</div>;
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The link's address when it is absolute and of an allowed protocol, else null (shown as text). */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;
// Nesting deeper than this is shown flat: a hostile text cannot make the renderer recurse without end.
const MAX_DEPTH = 8;

function startsBlock(line: string) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

function blocks(lines: string[], depth: number): ReactNode[] {
  const out: ReactNode[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] as string;
    const key = `b${index}`;
    const fence = FENCE.exec(line);
    if (line.trim() === '') {
      index++;
    } else if (fence) {
      const marker = fence[1] as string;
      const code: string[] = [];
      index++;
      // An unclosed fence (an answer still streaming) runs to the end.
      while (index < lines.length && !(lines[index] as string).trim().startsWith(marker))
        code.push(lines[index++] as string);
      index++;
      out.push(
        <pre key={key} data-language={fence[2] || undefined}>
          <code>{code.join('\n')}</code>
        </pre>,
      );
    } else if (HEADING.test(line)) {
      const [, hashes, content] = HEADING.exec(line) as RegExpExecArray;
      out.push(heading((hashes as string).length, inline(content as string), key));
      index++;
    } else if (RULE.test(line)) {
      out.push(<hr key={key} />);
      index++;
    } else if (QUOTE.test(line) && depth < MAX_DEPTH) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] as string))
        quoted.push((lines[index++] as string).replace(QUOTE, ''));
      out.push(<blockquote key={key}>{blocks(quoted, depth + 1)}</blockquote>);
    } else if (ITEM.test(line) && depth < MAX_DEPTH) {
      index = list(lines, index, depth, out);
    } else {
      const paragraph: string[] = [];
      while (index < lines.length) {
        const next = lines[index] as string;
        if (next.trim() === '' || (paragraph.length > 0 && startsBlock(next))) break;
        paragraph.push(next.trim());
        index++;
      }
      out.push(<p key={key}>{withBreaks(paragraph)}</p>);
    }
  }
  return out;
}

function heading(level: number, children: ReactNode[], key: string) {
  // Headings inside a message start at h3: the page and its sections own h1 and h2.
  const shifted = Math.min(level + 2, 6);
  if (shifted === 3) return <h3 key={key}>{children}</h3>;
  if (shifted === 4) return <h4 key={key}>{children}</h4>;
  if (shifted === 5) return <h5 key={key}>{children}</h5>;
  return <h6 key={key}>{children}</h6>;
}

/** A list's items from `start`; each item's indented lines are its own blocks (nested lists). */
function list(lines: string[], start: number, depth: number, out: ReactNode[]): number {
  const first = ITEM.exec(lines[start] as string) as RegExpExecArray;
  const ordered = /\d/.test(first[2] as string);
  const items: ReactNode[] = [];
  let index = start;
  while (index < lines.length) {
    const match = ITEM.exec(lines[index] as string);
    if (!match || /\d/.test(match[2] as string) !== ordered) break;
    const body = [match[3] as string];
    const indent = (match[1] as string).length + (match[2] as string).length + 1;
    index++;
    while (index < lines.length) {
      const next = lines[index] as string;
      const indented = next.startsWith(' '.repeat(Math.min(indent, 2)));
      if (next.trim() === '' && !(lines[index + 1] ?? '').startsWith('  ')) break;
      if (next.trim() !== '' && !indented && startsBlock(next)) break;
      if (next.trim() !== '' && !indented && body.at(-1)?.trim() === '') break;
      body.push(next.replace(/^ {1,4}/, ''));
      index++;
    }
    items.push(<li key={`i${index}`}>{itemContent(body, depth)}</li>);
  }
  const key = `l${start}`;
  const number = Number.parseInt(first[2] as string, 10);
  out.push(
    ordered ? (
      <ol key={key} start={number === 1 ? undefined : number}>
        {items}
      </ol>
    ) : (
      <ul key={key}>{items}</ul>
    ),
  );
  return index;
}

/** A one-paragraph item is shown without its <p>, as lists usually look. */
function itemContent(body: string[], depth: number): ReactNode {
  const rendered = blocks(body, depth + 1);
  const [only] = rendered;
  if (rendered.length === 1 && isParagraph(only))
    return (only as { props: { children: ReactNode } }).props.children;
  return rendered;
}

const isParagraph = (node: ReactNode) =>
  typeof node === 'object' && node !== null && 'type' in node && node.type === 'p';

function withBreaks(lines: string[]): ReactNode[] {
  const out: ReactNode[] = [];
  for (const [number, line] of lines.entries()) {
    if (number > 0) out.push(<br key={`br${number}`} />);
    out.push(...inline(line, `n${number}`));
  }
  return out;
}

// Inline syntax, first match wins: code, image, link, strong, emphasis, a bare web address.
const INLINE = new RegExp(
  [
    /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/.source,
    /!\[([^\]]*)\]\(([^()\s]*)(?:\s+"[^"]*")?\)/.source,
    /\[((?:[^[\]]|\[[^\]]*\])+)\]\(([^()\s]*(?:\([^()\s]*\))?[^()\s]*)(?:\s+"[^"]*")?\)/.source,
    /\*\*(?=\S)([\s\S]*?\S)\*\*/.source,
    /(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)/.source,
    /\*(?=[^\s*])([^*]*?[^\s*])\*/.source,
    /(?<!\w)_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/.source,
    /\b(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]])/.source,
  ].join('|'),
  'g',
);

function inline(text: string, prefix = 'x', depth = 0): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const at = match.index;
    if (at > last) out.push(text.slice(last, at));
    last = at + match[0].length;
    const key = `${prefix}-${at}`;
    const nested = (inner: string) => (depth < MAX_DEPTH ? inline(inner, key, depth + 1) : [inner]);
    const [, ticks, code, alt, , label, href, strong, strongUnderscore, emphasis, emphasisUnderscore, bare] =
      match;
    if (ticks !== undefined) out.push(<code key={key}>{(code as string).trim()}</code>);
    else if (alt !== undefined)
      // Never an <img>: a message must not make the browser fetch anything.
      out.push(
        <span key={key} className="markdown-image">
          {alt ? `[image: ${alt}]` : '[image]'}
        </span>,
      );
    else if (label !== undefined) out.push(link(href as string, nested(label), match[0], key));
    else if (strong !== undefined || strongUnderscore !== undefined)
      out.push(<strong key={key}>{nested((strong ?? strongUnderscore) as string)}</strong>);
    else if (emphasis !== undefined || emphasisUnderscore !== undefined)
      out.push(<em key={key}>{nested((emphasis ?? emphasisUnderscore) as string)}</em>);
    else if (bare !== undefined) out.push(link(bare, [bare], bare, key));
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function link(href: string, children: ReactNode[], source: string, key: string): ReactNode {
  const safe = safeHref(href);
  // Any other protocol (javascript:, data:, vbscript:, a relative path) is shown as the text it was.
  if (!safe) return source;
  return (
    <a key={key} href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}
