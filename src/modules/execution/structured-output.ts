import { AppError } from '../../platform/http/errors.ts';
import {
  type ObjectValidation,
  validateObjectAgainstSchema,
} from '../../platform/llm/json-schema-validator.ts';

/** An answer is always a JSON object: response schemas have an object root (assertAnswerSchema). */
export type StructuredAnswer = ObjectValidation;

/** Problems listed in a repair request; a longer list says how many more there are. */
const MAX_LISTED_PROBLEMS = 20;

/** The model's answer did not match the response schema, even after its one repair attempt. */
export class StructuredOutputError extends AppError {
  /** The model's last answer as it came, for callers that report it (task definitions' schema_validation_failed). */
  readonly answer: string | undefined;
  constructor(problems: string[], cause?: unknown, answer?: string) {
    super('invalid_structured_output', 'The model’s answer did not match the response schema', {
      status: 502,
      category: 'third_party',
      details: { problems },
      cause,
    });
    this.answer = answer;
  }
}

/** Where the JSON may sit, in order: the whole text, a ```json fence, the outermost braces. */
function candidatesIn(text: string): string[] {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?[^\S\n]*\n?([\s\S]*?)```/i.exec(text)?.[1];
  if (fenced !== undefined) candidates.push(fenced.trim());
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) candidates.push(text.slice(start, end + 1));
  return candidates;
}

/**
 * Reads a model's answer as a JSON object valid against the schema. Models wrap JSON in prose or
 * a code fence despite being asked not to, so those are looked through before giving up.
 */
export function parseStructuredAnswer(text: string, schema: object): StructuredAnswer {
  if (!text.trim()) return { ok: false, problems: ['the answer is empty: a JSON object was expected'] };
  // The last candidate's syntax error is reported: it is the closest to what the model meant as JSON.
  let reason = '';
  for (const candidate of candidatesIn(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
      continue;
    }
    return validateObjectAgainstSchema(schema, value);
  }
  return { ok: false, problems: [`the answer is not valid JSON: ${reason}`] };
}

/** The user message of the one repair attempt: what was wrong, and to answer with the JSON only. */
export function repairRequest(problems: string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((problem) => `- ${problem}`);
  if (problems.length > MAX_LISTED_PROBLEMS)
    listed.push(`- and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  return [
    'Your previous answer did not match the required JSON Schema. The problems were:',
    ...listed,
    'Reply with only the corrected JSON object, valid against the schema, with no other text and no code fence.',
  ].join('\n');
}
