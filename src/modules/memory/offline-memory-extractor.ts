import { type ExtractedMemory, keptMemories, subjectKeyOf } from './extracted-memory.ts';

/** Only the start of a long message is read: people state things about themselves in short sentences. */
export const EXTRACTION_INPUT_MAX_CHARACTERS = 4_000;
/** A longer clause is not a simple statement about the user. */
const CLAUSE_MAX_CHARACTERS = 300;
/** Words a stated value may have ("teal", "the Blue Note in Paris"); "remember that …" may say more. */
const VALUE_MAX_WORDS = 12;
const REMEMBERED_MAX_WORDS = 30;

const wordSet = (words: string) => new Set(words.split(' '));

/*
 * Every pattern below is anchored at the start of a clause, has literal alternatives and at most
 * one open-ended tail: matching is linear in the clause, whatever the input (no backtracking
 * blow-up). Whitespace is collapsed to single spaces first, so " " in a pattern is one space.
 */
const STARTER = String.raw`(?:i|my|call me|remember|please remember|don't forget)\b`;
/** "My name is Ada and I live in Paris": a new clause where a statement about oneself starts. */
const CLAUSE_BREAK = new RegExp(`,? (?:and|but|also|plus|so) (?=${STARTER})|, (?=${STARTER})`, 'i');
const FILLER =
  /^(?:oh|well|also|and|but|so|btw|by the way|actually|hi|hello|hey|ok|okay|yes|yeah|no|please|fyi|anyway)(?:,? |,?$)/i;
/** A clause opening with one of these asks rather than states ("what is my name"). */
const QUESTION_WORDS = wordSet(
  `what what's who whom whose where when why how which do does did don't doesn't didn't is isn't are aren't am was were can could would will should shall may might have has`,
);
/** A value that opens with one of these points at the conversation, not at a durable thing. */
const VAGUE = wordSet(
  `it that this these those you your yours them him her when how what why where if not never nothing anything something whatever`,
);
/** "My question is …": talk about the conversation itself. */
const CONVERSATIONAL = wordSet(
  `question questions problem problems issue issues point guess answer bad fault pleasure concern concerns request thought thoughts apologies apology mistake understanding turn bet`,
);
/** "I have a question", "I'm a bit tired": not facts about the user. */
const NOT_A_THING = wordSet(
  `bit little lot tad moment second minute while few question questions problem problems issue issues idea doubt complaint request suggestion concern feeling`,
);
/** "Call me later": not a name. */
const NOT_A_NAME = wordSet(
  `later back tomorrow today tonight anytime any at when if maybe now soon on please sometime again asap whenever after before in the a an not never crazy old`,
);
const NAME_SUBJECTS = new Set(['name', 'first name', 'last name', 'full name', 'middle name', 'nickname']);
const NAME_WORD = /^\p{L}[\p{L}'.-]*$/u;
const SUBJECT_WORD = /^[\p{L}\p{N}-]+(?:'s)?$/u;
const EDGE_CHARACTERS = new Set([...`"'“”«»()[]{}.,!;: `]);

const PREFERENCE =
  /^i (?:really |truly |absolutely |also |just |do )?(prefer|like|love|enjoy|adore|hate|dislike|don't like|do not like|can't stand|cannot stand)( to)? (.+)$/i;
const WOULD_PREFER = /^i(?:'d| would) (?:really )?prefer( to)? (.+)$/i;
const THIRD_PERSON_VERBS: Record<string, string> = {
  prefer: 'prefers',
  like: 'likes',
  love: 'loves',
  enjoy: 'enjoys',
  adore: 'adores',
  hate: 'hates',
  dislike: 'dislikes',
  "don't like": 'does not like',
  'do not like': 'does not like',
  "can't stand": 'cannot stand',
  'cannot stand': 'cannot stand',
};
const CALL_ME = /^(?:you can |you may )?call me (.+)$/i;
const CALLED = /^i(?:'m| am) called (.+)$/i;
const HOME = /^i(?: live|'m living| am living| reside) in (.+)$/i;
const ORIGIN = /^i(?:'m| am) (?:originally )?from (.+)$/i;
const WORK = /^i work (at|for|as|in) (.+)$/i;
const ALLERGY = /^i(?:'m| am) allergic to (.+)$/i;
const IDENTITY = /^i(?:'m| am) (a|an) (.+)$/i;
const POSSESSION = /^i(?: have|'ve got| have got) (a|an|two|three|four|five|\d+) (.+)$/i;
const REMEMBER =
  /^(?:(?:please )?(?:remember|don't forget|do not forget)(?: that|:)?|note(?: that|:)) (.+)$/i;
const FIRST_PERSON = /\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself)\b/i;
const FIRST_PERSON_WORDS = /\b(?:my|mine|myself|me|i'm|i've|i'd|i'll|i)\b/gi;
const THIRD_PERSON_WORDS: Record<string, string> = {
  my: 'their',
  mine: 'theirs',
  myself: 'themselves',
  me: 'them',
  "i'm": 'they are',
  "i've": 'they have',
  "i'd": 'they would',
  "i'll": 'they will',
  i: 'they',
};
/** How "remember that …" statements about oneself start, in the third person. */
const REMEMBERED_OPENINGS: [RegExp, string][] = [
  [/^i(?:'m| am) /i, 'the user is '],
  [/^i(?:'ve| have) /i, 'the user has '],
  [/^i was /i, 'the user was '],
  [/^i /i, 'the user '],
  [/^my /i, "the user's "],
];

/** `text` without the quotes, brackets, spaces and end punctuation around it (a loop: no regex). */
function trimEdges(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && EDGE_CHARACTERS.has(text[start] as string)) start += 1;
  while (end > start && EDGE_CHARACTERS.has(text[end - 1] as string)) end -= 1;
  return text.slice(start, end);
}

const wordsOf = (text: string) => text.split(' ').filter((word) => word.length > 0);
const firstWord = (text: string) => wordsOf(text)[0]?.toLowerCase() ?? '';
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const sentence = (text: string) => `${capitalized(text)}.`;
const thirdPerson = (text: string) =>
  text.replace(FIRST_PERSON_WORDS, (word) => THIRD_PERSON_WORDS[word.toLowerCase()] ?? word);

const aboutTheUser = (
  kind: ExtractedMemory['kind'],
  content: string,
  subject: string | null = null,
): ExtractedMemory => ({
  kind,
  content,
  aboutUser: true,
  subject: subject === null ? null : subjectKeyOf(subject),
});

/** A stated value in the third person; null when it is vague, a question, or too long to be one thing. */
function statedValue(raw: string, maxWords = VALUE_MAX_WORDS): string | null {
  const value = trimEdges(raw);
  if (!value || value.includes('?')) return null;
  const words = wordsOf(value);
  if (words.length > maxWords || VAGUE.has(firstWord(value))) return null;
  return thirdPerson(value);
}

/** A person's name as given, each word capitalized; null for what is not a name ("call me later"). */
function nameOf(raw: string): string | null {
  const words = wordsOf(trimEdges(raw));
  if (words.length === 0 || words.length > 4 || NOT_A_NAME.has(firstWord(raw.trim()))) return null;
  if (!words.every((word) => NAME_WORD.test(word))) return null;
  return words.map(capitalized).join(' ');
}

/** "My favourite colour is teal", "my name's Ada", "my dog's name is Rex". */
function readOwnership(clause: string): ExtractedMemory | null {
  const tokens = wordsOf(clause);
  if (tokens[0]?.toLowerCase() !== 'my') return null;
  let subjectWords: string[] | undefined;
  let verb = 'is';
  let rest: string[] = [];
  for (let index = 2; index <= 4 && index < tokens.length; index += 1) {
    const word = tokens[index]?.toLowerCase();
    if (word === 'is' || word === 'are') {
      subjectWords = tokens.slice(1, index);
      verb = word;
      rest = tokens.slice(index + 1);
      break;
    }
  }
  if (!subjectWords) {
    const index = tokens.findIndex((token, position) => position >= 1 && position <= 3 && /'s$/i.test(token));
    if (index > 0) {
      subjectWords = [...tokens.slice(1, index), (tokens[index] as string).slice(0, -2)];
      rest = tokens.slice(index + 1);
    }
  }
  const head = subjectWords?.at(-1)?.toLowerCase();
  if (!subjectWords || head === undefined || rest.length === 0) return null;
  if (!subjectWords.every((word) => SUBJECT_WORD.test(word) && word.toLowerCase() !== 'my')) return null;
  if (CONVERSATIONAL.has(head)) return null;
  const subject = subjectWords.join(' ');
  const value = NAME_SUBJECTS.has(subject.toLowerCase())
    ? nameOf(rest.join(' '))
    : statedValue(rest.join(' '));
  if (!value) return null;
  const kind = /^(?:favou?rite|fav|preferred)\b/i.test(subject) ? 'preference' : 'fact';
  return aboutTheUser(kind, `The user's ${subject} ${verb} ${value}.`, subject);
}

function readPreference(clause: string): ExtractedMemory | null {
  const would = WOULD_PREFER.exec(clause);
  const match = would ? ['', 'prefer', would[1], would[2]] : PREFERENCE.exec(clause);
  if (!match) return null;
  const value = statedValue(match[3] ?? '');
  const verb = THIRD_PERSON_VERBS[(match[1] ?? '').toLowerCase()];
  if (!value || !verb) return null;
  return aboutTheUser('preference', `The user ${verb}${match[2] ? ' to' : ''} ${value}.`);
}

/** Patterns whose whole tail is one value: how the statement reads, and its subject when single-valued. */
const SIMPLE_READERS: {
  pattern: RegExp;
  read(match: RegExpExecArray): ExtractedMemory | null;
}[] = [
  {
    pattern: CALL_ME,
    read: (match) => {
      const name = nameOf(match[1] ?? '');
      return name
        ? aboutTheUser('preference', `The user wants to be called ${name}.`, 'preferred name')
        : null;
    },
  },
  {
    pattern: CALLED,
    read: (match) => {
      const name = nameOf(match[1] ?? '');
      return name ? aboutTheUser('fact', `The user's name is ${name}.`, 'name') : null;
    },
  },
  {
    pattern: HOME,
    read: (match) => {
      const place = statedValue(match[1] ?? '');
      return place ? aboutTheUser('fact', `The user lives in ${place}.`, 'home') : null;
    },
  },
  {
    pattern: ORIGIN,
    read: (match) => {
      const place = statedValue(match[1] ?? '');
      return place ? aboutTheUser('fact', `The user is from ${place}.`, 'origin') : null;
    },
  },
  {
    pattern: WORK,
    read: (match) => {
      const preposition = (match[1] ?? '').toLowerCase();
      const value = statedValue(match[2] ?? '');
      const subject = { at: 'employer', for: 'employer', as: 'occupation', in: 'line of work' }[preposition];
      return value && subject
        ? aboutTheUser('fact', `The user works ${preposition} ${value}.`, subject)
        : null;
    },
  },
  {
    pattern: ALLERGY,
    read: (match) => {
      const value = statedValue(match[1] ?? '');
      return value ? aboutTheUser('fact', `The user is allergic to ${value}.`) : null;
    },
  },
  {
    pattern: IDENTITY,
    read: (match) => {
      const value = statedValue(match[2] ?? '');
      if (!value || NOT_A_THING.has(firstWord(value))) return null;
      return aboutTheUser('fact', `The user is ${(match[1] ?? '').toLowerCase()} ${value}.`);
    },
  },
  {
    pattern: POSSESSION,
    read: (match) => {
      const value = statedValue(match[2] ?? '');
      if (!value || NOT_A_THING.has(firstWord(value))) return null;
      return aboutTheUser('fact', `The user has ${(match[1] ?? '').toLowerCase()} ${value}.`);
    },
  },
];

/** One statement about the user in the clause, if it makes one; "remember that …" only when `remembering`. */
function readClause(clause: string, remembering: boolean): ExtractedMemory | null {
  const ownership = readOwnership(clause);
  if (ownership) return ownership;
  const preference = readPreference(clause);
  if (preference) return preference;
  for (const reader of SIMPLE_READERS) {
    const match = reader.pattern.exec(clause);
    const statement = match && reader.read(match);
    if (statement) return statement;
  }
  return remembering ? readRemembered(clause) : null;
}

/**
 * "Remember that my sister is called Eve": what follows, read as a statement when it is one,
 * else kept as said, in the third person. About the user only when it speaks of them.
 */
function readRemembered(clause: string): ExtractedMemory | null {
  const match = REMEMBER.exec(clause);
  if (!match) return null;
  const said = trimEdges(match[1] ?? '');
  const opening = firstWord(said);
  if (!said || said.includes('?') || opening === 'to' || VAGUE.has(opening)) return null;
  if (wordsOf(said).length > REMEMBERED_MAX_WORDS) return null;
  const statement = readClause(said, false);
  if (statement) return statement;
  const known = REMEMBERED_OPENINGS.find(([pattern]) => pattern.test(said));
  const text = known ? `${known[1]}${thirdPerson(said.replace(known[0], ''))}` : thirdPerson(said);
  return { kind: 'fact', content: sentence(text), aboutUser: FIRST_PERSON.test(said), subject: null };
}

/**
 * The clauses of a message that may state something: its sentences (a question's last clause
 * left out), split where a new statement about oneself starts, without leading fillers ("oh,
 * well, by the way"), and not opening as a question does.
 */
function statingClauses(message: string): string[] {
  const text = message
    .slice(0, EXTRACTION_INPUT_MAX_CHARACTERS)
    .normalize('NFKC')
    .replace(/[’‘]/g, "'")
    .replace(/[^\S\n]+/g, ' ');
  const clauses: string[] = [];
  for (const raw of text.split(/\n|(?<=[.!?;]) /)) {
    const sentence = raw.trim();
    if (!sentence) continue;
    // "My name is Ada, what's yours?": the question is the last clause; what comes before still states.
    const pieces = sentence.endsWith('?') ? sentence.split(', ').slice(0, -1) : [sentence];
    for (const piece of pieces) {
      for (const part of piece.split(CLAUSE_BREAK)) {
        let clause = trimEdges(part);
        for (let stripped = 0; stripped < 3; stripped += 1) {
          const filler = FILLER.exec(clause);
          if (!filler) break;
          clause = trimEdges(clause.slice(filler[0].length));
        }
        if (clause && clause.length <= CLAUSE_MAX_CHARACTERS && !QUESTION_WORDS.has(firstWord(clause))) {
          clauses.push(clause);
        }
      }
    }
  }
  return clauses;
}

/**
 * The offline model's memory extraction: deterministic patterns over the user's message ("my name
 * is …", "call me …", "I prefer/like/love/don't like …", "my favourite … is …", "I live in …",
 * "I work at/for/as …", "I'm a …", "remember that …"), each statement rewritten in the third
 * person ("The user's favourite colour is teal."). Questions state nothing; English only.
 */
export function extractMemoriesFromMessage(message: string): ExtractedMemory[] {
  const found: ExtractedMemory[] = [];
  for (const clause of statingClauses(message)) {
    const statement = readClause(clause, true);
    if (statement) found.push(statement);
  }
  return keptMemories(found);
}

/**
 * Whether a message may state something worth remembering at all: some clause of two words or
 * more that is not a question. "Hello! What are your opening hours?" states nothing, and its
 * turn asks for no extraction.
 */
export function mayStateMemories(message: string): boolean {
  return statingClauses(message).some((clause) => wordsOf(clause).length >= 2);
}
