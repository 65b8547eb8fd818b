/** The longest file name common file systems store (ext4, APFS, NTFS in UTF-16 units aside). */
const MAX_FILENAME_BYTES = 255;
/** A longer "extension" is part of the name, so that the limit can always keep the extension whole. */
const MAX_EXTENSION_BYTES = 32;
const FALLBACK_STEM = 'upload';

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional controls
 * that make `invoice\u202Efdp.exe` display as `invoiceexe.pdf`.
 */
const UNSAFE_CHARACTERS = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * An uploaded file's declared name made safe to store and show: the last path segment only, no
 * control or bidirectional characters, NFC, no dots or spaces at either end, at most 255 UTF-8
 * bytes with its extension kept, and never empty (`upload` plus the extension, if any).
 * Applying it twice changes nothing.
 */
export function safeFilename(declared: string): string {
  const cleaned = declared.toWellFormed().normalize('NFC').replace(UNSAFE_CHARACTERS, '');
  const lastSegment = cleaned.split(/[/\\]/).pop() ?? '';
  const name = lastSegment.trim().replace(/[\s.]+$/u, '');
  const dot = name.lastIndexOf('.');
  const hasExtension = dot >= 0 && utf8Bytes(name.slice(dot)) <= MAX_EXTENSION_BYTES;
  const extension = hasExtension ? name.slice(dot) : '';
  const stem = (hasExtension ? name.slice(0, dot) : name).replace(/^[\s.]+/u, '');
  const truncated = truncateUtf8(stem, MAX_FILENAME_BYTES - utf8Bytes(extension));
  // A cut may end in dots or spaces, which would end the name when it has no extension.
  const kept = truncated === stem ? stem : truncated.replace(/[\s.]+$/u, '');
  return `${kept || FALLBACK_STEM}${extension}`;
}

/**
 * A `Content-Disposition: attachment` value for a download: a quoted ASCII fallback for old
 * clients and the exact name percent-encoded (RFC 6266, RFC 8187). No quote, backslash, CR or LF
 * of the name can reach the header.
 */
export function contentDisposition(filename: string): string {
  const name = safeFilename(filename);
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${percentEncoded(name)}`;
}

/** The longest prefix of whole characters (graphemes) that fits in `maxBytes` of UTF-8. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let kept = '';
  let keptBytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const segmentBytes = utf8Bytes(segment);
    if (keptBytes + segmentBytes > maxBytes) break;
    kept += segment;
    keptBytes += segmentBytes;
  }
  return kept;
}

/** Accents dropped (é to e), other non-ASCII runs and `"`, `\`, `%` (some clients decode it) as `_`. */
function asciiFallback(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^ -~]+/g, '_')
    .replace(/["\\%]/g, '_');
}

/** RFC 8187's attr-char set: encodeURIComponent leaves `'`, `(`, `)` and `*`, which it excludes. */
function percentEncoded(name: string): string {
  return encodeURIComponent(name).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
