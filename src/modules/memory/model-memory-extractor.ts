import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { JSONSchema7 } from 'ai';
import { truncateText } from '../../platform/text/shorten.ts';
import { callModelDirect, parseStructuredAnswer } from '../execution/index.ts';
import {
  type ExtractedMemory,
  keptMemories,
  MEMORIES_PER_TURN,
  MEMORY_MAX_CHARACTERS,
  subjectKeyOf,
} from './extracted-memory.ts';

/** How much of each side of the exchange the model reads: an extraction call stays small. */
const MESSAGE_INPUT_MAX_CHARACTERS = 4_000;
const ANSWER_INPUT_MAX_CHARACTERS = 2_000;
const EXTRACTION_MAX_OUTPUT_TOKENS = 800;

/** What the model answers: `{memories: [{kind, content, about_user, subject}]}`. */
export const memoryExtractionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['memories'],
  properties: {
    memories: {
      type: 'array',
      maxItems: MEMORIES_PER_TURN,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'content', 'about_user', 'subject'],
        properties: {
          kind: { type: 'string', enum: ['fact', 'preference'] },
          content: { type: 'string', minLength: 1, maxLength: MEMORY_MAX_CHARACTERS },
          about_user: { type: 'boolean' },
          subject: { type: ['string', 'null'], maxLength: 60 },
        },
      },
    },
  },
} satisfies JSONSchema7;

/** Marks the extraction call (tests and logs tell it from the turn's own call by it). */
export const MEMORY_EXTRACTION_MARKER = "You maintain an AI assistant's long-term memory.";

const EXTRACTION_INSTRUCTIONS = [
  MEMORY_EXTRACTION_MARKER,
  'Read one exchange between a user and the assistant and list what is worth remembering in later',
  'conversations: durable facts and preferences the user states about themself (name, preferences, likes',
  'and dislikes, where they live or work, personal facts) and durable facts or decisions of the',
  'conversation. Leave out questions, small talk, the assistant’s own statements, anything temporary,',
  'and never keep passwords or other secrets.',
  'Write each memory as one short sentence in the third person, e.g. "The user\'s favourite colour is',
  'teal." kind is "preference" for likes and preferences, else "fact". about_user is true when the',
  'memory is about the user themself. subject is a short lower-case key for a single-valued fact',
  '("name", "favourite colour", "home") so that a newer value replaces the older, else null.',
  `At most ${MEMORIES_PER_TURN} memories; with nothing worth remembering answer {"memories": []}.`,
  '',
  '# Answer format',
  'Answer with only a JSON object that is valid against this JSON Schema:',
  JSON.stringify(memoryExtractionSchema),
].join('\n');

/** One turn's exchange, as the memory job reads it from the session. */
export interface MemoryExchange {
  message: string;
  answer: string;
}

/** The model's answer as text: JSON expected, not yet read. A failed call throws. */
export async function askForMemories(
  model: LanguageModelV4,
  exchange: MemoryExchange,
  signal: AbortSignal,
): Promise<string> {
  const result = await callModelDirect({
    model,
    instructions: EXTRACTION_INSTRUCTIONS,
    messages: [
      {
        role: 'user',
        content: [
          `User: ${truncateText(exchange.message, MESSAGE_INPUT_MAX_CHARACTERS)}`,
          '',
          `Assistant: ${truncateText(exchange.answer, ANSWER_INPUT_MAX_CHARACTERS)}`,
        ].join('\n'),
      },
    ],
    maxOutputTokens: EXTRACTION_MAX_OUTPUT_TOKENS,
    temperature: 0,
    signal,
    responseFormat: { type: 'json', schema: memoryExtractionSchema },
  });
  return result.text;
}

interface ModelMemory {
  kind: ExtractedMemory['kind'];
  content: string;
  about_user: boolean;
  subject: string | null;
}

/**
 * The model's memories, bounded like every extraction's (keptMemories); the problems when its
 * answer is not a valid object (the caller then falls back to the offline extractor).
 */
export function readModelMemories(
  text: string,
): { ok: true; memories: ExtractedMemory[] } | { ok: false; problems: string[] } {
  const parsed = parseStructuredAnswer(text, memoryExtractionSchema);
  if (!parsed.ok) return parsed;
  const listed = (parsed.value as { memories: ModelMemory[] }).memories;
  return {
    ok: true,
    memories: keptMemories(
      listed.map((memory) => {
        const subject = memory.subject?.trim() ? subjectKeyOf(memory.subject) : null;
        return {
          kind: memory.kind,
          content: memory.content,
          aboutUser: memory.about_user,
          subject: subject || null,
        };
      }),
    ),
  };
}
