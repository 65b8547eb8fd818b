/** A configuration value as the person reads it: text as it is, anything else as indented JSON. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** Long or multi-line values are compared line by line rather than as two short cells. */
export const isLongText = (text: string) => text.includes('\n') || text.length > 120;
