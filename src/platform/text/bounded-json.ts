/** `text` cut to at most `maxBytes` bytes of UTF-8, never inside a character. */
function cutToBytes(text: string, maxBytes: number): string {
  const cut = Buffer.from(text, 'utf8').subarray(0, Math.max(0, maxBytes)).toString('utf8');
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}

/**
 * `value` within `maxBytes` bytes of JSON: as it is when it fits; otherwise its text (a string as
 * it is, anything else as JSON) cut short, with a note saying so and how large it was. What the
 * model and the run's log receive from a tool.
 */
export function boundedJson(value: unknown, maxBytes: number): unknown {
  const json = JSON.stringify(value) ?? 'null';
  const size = Buffer.byteLength(json, 'utf8');
  if (size <= maxBytes) return value;
  const note = `\n[Result cut: it had ${size} bytes, the limit is ${maxBytes}]`;
  const text = typeof value === 'string' ? value : json;
  // The cut text must still fit once JSON escapes it: keep a margin for the quotes and escapes.
  let room = maxBytes - Buffer.byteLength(note, 'utf8') - 2;
  let cut = cutToBytes(text, room);
  while (room > 0 && Buffer.byteLength(JSON.stringify(cut + note), 'utf8') > maxBytes) {
    room -= Math.max(16, Buffer.byteLength(JSON.stringify(cut + note), 'utf8') - maxBytes);
    cut = cutToBytes(text, room);
  }
  return cut + note;
}
