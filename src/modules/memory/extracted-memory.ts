import { contentKeyOf } from './memory-namespaces.ts';

/** At most this many statements are kept from one turn, whoever extracts them. */
export const MEMORIES_PER_TURN = 10;
/** A statement longer than this is dropped: memories are short, and they enter later turns' context. */
export const MEMORY_MAX_CHARACTERS = 300;

/** A durable statement drawn from a turn, before it is stored. */
export interface ExtractedMemory {
  kind: 'fact' | 'preference';
  /** One sentence in the third person: "The user's favourite colour is teal." */
  content: string;
  /** About the user themself: also remembered in the user's namespace, across their sessions. */
  aboutUser: boolean;
  /**
   * The key of a single-valued fact ("name", "favourite colour"): a newer statement with the same
   * subject replaces the older one. Null for statements that accumulate (likes, facts).
   */
  subject: string | null;
}

/** Secrets are never remembered, whatever the user or the model says. */
const SECRET =
  /\b(?:passwords?|passcodes?|passphrases?|pins?|secrets?|api keys?|tokens?|cvv|ssn|credit cards?|card numbers?|social security)\b/i;

/** Subjects spelled two ways are one subject: "favorite color" is "favourite colour". */
export function subjectKeyOf(subject: string): string {
  return contentKeyOf(subject)
    .replace(/\bfavorite\b/g, 'favourite')
    .replace(/\bcolor\b/g, 'colour');
}

/**
 * The statements worth storing, in order: no secrets, none too long, one per content key, the last
 * of each subject (a message that corrects itself means its last word), at most MEMORIES_PER_TURN.
 */
export function keptMemories(candidates: readonly ExtractedMemory[]): ExtractedMemory[] {
  const valid = candidates
    .map((memory) => ({ ...memory, content: memory.content.trim() }))
    .filter(
      (memory) =>
        memory.content.length > 0 &&
        memory.content.length <= MEMORY_MAX_CHARACTERS &&
        contentKeyOf(memory.content).length > 0 &&
        !SECRET.test(memory.content),
    );
  const lastOfSubject = new Map<string, number>();
  for (const [index, memory] of valid.entries()) {
    if (memory.subject !== null) lastOfSubject.set(memory.subject, index);
  }
  const seen = new Set<string>();
  const kept: ExtractedMemory[] = [];
  for (const [index, memory] of valid.entries()) {
    if (memory.subject !== null && lastOfSubject.get(memory.subject) !== index) continue;
    const key = contentKeyOf(memory.content);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(memory);
    if (kept.length === MEMORIES_PER_TURN) break;
  }
  return kept;
}
