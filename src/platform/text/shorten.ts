/**
 * `text` on one line (runs of whitespace collapsed to a space, trimmed) and at most
 * `maxCharacters` characters long. A longer text is cut at a word boundary when one falls in the
 * second half of what fits (else mid-word) and ends with "…", which counts toward the limit.
 * Characters are code points, so a surrogate pair (an emoji) is never split in two.
 */
export function shortenText(text: string, maxCharacters: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const characters = Array.from(line);
  if (characters.length <= maxCharacters) return line;
  const kept = characters.slice(0, maxCharacters - 1);
  // A word ending exactly where the cut falls is kept whole.
  if (characters[kept.length] !== ' ') {
    const boundary = kept.lastIndexOf(' ');
    if (boundary >= kept.length / 2) kept.length = boundary;
  }
  return `${kept.join('').trimEnd()}…`;
}

/**
 * `text` at most `maxCharacters` characters (code points) long, its whitespace kept: a longer text
 * is cut, and ends with "…", which counts toward the limit.
 */
export function truncateText(text: string, maxCharacters: number): string {
  // UTF-16 length bounds the number of code points: most texts need no count at all.
  if (text.length <= maxCharacters) return text;
  const characters = Array.from(text);
  if (characters.length <= maxCharacters) return text;
  return `${characters
    .slice(0, maxCharacters - 1)
    .join('')
    .trimEnd()}…`;
}
