/** A select's options, led by "Server default" when a new agent may leave the field unset. */
export function choices(creating: boolean, values: readonly string[], labels: Record<string, string> = {}) {
  const options = values.map((value) => ({ value, label: labels[value] ?? value }));
  return creating ? [{ value: '', label: 'Server default' }, ...options] : options;
}

export const YES_NO = ['true', 'false'] as const;
export const YES_NO_LABELS = { true: 'On', false: 'Off' };
