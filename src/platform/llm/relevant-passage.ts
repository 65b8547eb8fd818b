const stopWords = new Set(
  'the and for are but not you your with this that have from what when where which who how can will would could should about into than then them they their there here our out all any was were been being its it is of to in on a an or as at by be do does did i me my we us'.split(
    ' ',
  ),
);

/** Plural "s" dropped so that "invoice" meets "invoices"; "ss" endings ("business") are kept. */
const stem = (word: string) => (word.length > 3 && /[^s]s$/.test(word) ? word.slice(0, -1) : word);

/** The meaningful words of a text, lowercased and stemmed, for overlap scores. */
export const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word.length > 2 && !stopWords.has(word))
    .map(stem);

export interface ScoredPassage {
  passage: string;
  /** How many distinct words of the question the passage shares. */
  score: number;
}

/** The sentences of the context, best match for the question first; ties keep their order. */
export function rankPassages(context: string[], question: string): ScoredPassage[] {
  const wanted = new Set(wordsOf(question));
  const scored = context
    .flatMap((text) => text.split(/(?<=[.!?])\s+|\n+/))
    .map((passage) => passage.trim())
    .filter(Boolean)
    .map((passage) => ({
      passage,
      score: new Set(wordsOf(passage).filter((word) => wanted.has(word))).size,
    }));
  return scored.sort((first, second) => second.score - first.score);
}

/** The passage of the context sharing the most words with the question, if any shares one. */
export function mostRelevantPassage(context: string[], question: string): string | undefined {
  const best = rankPassages(context, question)[0];
  return best && best.score > 0 ? best.passage : undefined;
}
