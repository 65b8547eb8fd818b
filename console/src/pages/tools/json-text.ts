/**
 * Reads a JSON field of a form. Only the syntax is checked here (the request cannot be sent
 * without it); whether the value is acceptable is the API's answer.
 */
export function readJson(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (caught) {
    throw new SyntaxError(`${label} is not valid JSON: ${(caught as Error).message}`);
  }
}

export const pretty = (value: unknown) => JSON.stringify(value, null, 2);
