import { describe, expect, it } from 'vitest';
import { MEMORIES_PER_TURN } from './extracted-memory.ts';
import { extractMemoriesFromMessage, mayStateMemories } from './offline-memory-extractor.ts';

const contents = (message: string) => extractMemoriesFromMessage(message).map((memory) => memory.content);

describe('the offline memory extractor', () => {
  it.each([
    ['my favourite colour is teal', "The user's favourite colour is teal."],
    ['My favorite color is Teal!', "The user's favorite color is Teal."],
    ['My name is ada lovelace.', "The user's name is Ada Lovelace."],
    ["my name's Grace", "The user's name is Grace."],
    ["Hi, I'm called Linus", "The user's name is Linus."],
    ['Please call me Ace', 'The user wants to be called Ace.'],
    ['I prefer email over phone calls', 'The user prefers email over phone calls.'],
    ["I'd prefer to be contacted in the morning", 'The user prefers to be contacted in the morning.'],
    ['I really like jazz', 'The user likes jazz.'],
    ['I love my dog', 'The user loves their dog.'],
    ["I don't like mushrooms", 'The user does not like mushrooms.'],
    ['I like to hike on weekends', 'The user likes to hike on weekends.'],
    ['I live in Lyon', 'The user lives in Lyon.'],
    ["I'm originally from Porto", 'The user is from Porto.'],
    ['I work at Acme Corp', 'The user works at Acme Corp.'],
    ['I work as a nurse', 'The user works as a nurse.'],
    ["I'm a vegetarian", 'The user is a vegetarian.'],
    ['I am allergic to peanuts', 'The user is allergic to peanuts.'],
    ['I have two cats', 'The user has two cats.'],
    ["My dog's name is Rex", "The user's dog's name is Rex."],
    ['Remember that I like my coffee black', 'The user likes their coffee black.'],
    ['remember that my sister Eve visits in May', "The user's sister Eve visits in May."],
    ['Remember: the launch is on Friday', 'The launch is on Friday.'],
    ['Remember that I must leave by five', 'The user must leave by five.'],
  ])('reads %j as %j', (message, content) => {
    expect(contents(message)).toEqual([content]);
  });

  it('tells facts from preferences, marks what is about the user and keys single-valued facts', () => {
    expect(
      extractMemoriesFromMessage('My favourite colour is teal. Remember that the launch is Friday.'),
    ).toEqual([
      {
        kind: 'preference',
        content: "The user's favourite colour is teal.",
        aboutUser: true,
        subject: 'favourite colour',
      },
      { kind: 'fact', content: 'The launch is Friday.', aboutUser: false, subject: null },
    ]);
    expect(extractMemoriesFromMessage('my favorite color is blue')[0]?.subject).toBe('favourite colour');
    expect(extractMemoriesFromMessage('I like tea')[0]).toMatchObject({ kind: 'preference', subject: null });
  });

  it('finds several statements in one message', () => {
    expect(
      contents(
        "Hi! My name is Ada and I live in London, I work for the Analytical Engine Company. Oh, and I love tea; I don't like coffee.",
      ),
    ).toEqual([
      "The user's name is Ada.",
      'The user lives in London.',
      'The user works for the Analytical Engine Company.',
      'The user loves tea.',
      'The user does not like coffee.',
    ]);
    expect(contents('I like salt and pepper')).toEqual(['The user likes salt and pepper.']);
    expect(contents("My name is Ada, what's yours?")).toEqual(["The user's name is Ada."]);
  });

  it('keeps the last of two values of one subject, and each statement once', () => {
    expect(contents('My favourite colour is teal. No, my favourite colour is blue.')).toEqual([
      "The user's favourite colour is blue.",
    ]);
    expect(contents('I like tea. I like TEA!')).toEqual(['The user likes tea.']);
  });

  it.each([
    'what is my name?',
    'What is my favourite colour',
    'Do you know that my name is Ada?',
    'Is my name Ada, or is it Bob?',
    'Hello! What are your opening hours?',
    'I like it',
    'I love you',
    'I like that you answer quickly',
    "I'd like to order a pizza",
    'My question is about billing',
    'my problem is that the app crashes',
    'My name is not important',
    'Call me later',
    "I'm a bit tired",
    'I have a question',
    'If my name is Ada then so be it',
    'I think my favourite colour is teal',
    'My password is hunter2',
    'Remember that my PIN is 1234',
    'remember to call me',
    'my',
    '',
    '   ',
  ])('states nothing in %j', (message) => {
    expect(extractMemoriesFromMessage(message)).toEqual([]);
  });

  it('bounds what it keeps and reads', () => {
    const many = Array.from({ length: 30 }, (_, index) => `I like flavour ${index}.`).join(' ');
    expect(extractMemoriesFromMessage(many)).toHaveLength(MEMORIES_PER_TURN);
    expect(contents(`I like ${'very '.repeat(20)}long names`)).toEqual([]);
    expect(contents(`${'Filler text. '.repeat(400)}My name is Ada.`)).toEqual([]);
  });

  it('stays linear on long hostile input', () => {
    const hostile = [
      'my '.repeat(50_000),
      'I like '.repeat(20_000),
      ', and I'.repeat(30_000),
      `${' '.repeat(200_000)}x`,
      '\n \n'.repeat(50_000),
      'remember that '.repeat(20_000),
      `my name is ${'a'.repeat(100_000)}`,
      `${"'".repeat(100_000)}my name is Ada`,
      `I like ${'?'.repeat(100_000)}`,
      `My favourite colour is ${'teal, '.repeat(40_000)}`,
    ];
    for (const message of hostile) {
      expect(extractMemoriesFromMessage(message).length).toBeLessThanOrEqual(MEMORIES_PER_TURN);
      expect(typeof mayStateMemories(message)).toBe('boolean');
    }
  });

  it('tells which messages may state something', () => {
    expect(mayStateMemories('Hello! What are your opening hours?')).toBe(false);
    expect(mayStateMemories('Thanks!')).toBe(false);
    expect(mayStateMemories('Je préfère le thé.')).toBe(true);
    expect(mayStateMemories('My favourite colour is teal')).toBe(true);
  });
});
