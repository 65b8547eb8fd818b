/**
 * What the memory benchmark stores and asks (`bench/memory.ts`): statements an agent could have
 * learnt about its end users, their conversations and its own domain, and messages users send,
 * from templates filled with seeded random values. Agent memories reuse a few frequent words
 * ("customer", "order", "delivery"), as real ones do; user memories name rarer things.
 */
import { seededRandom } from './retrieval-corpus.ts';

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)] as T;

const colours = ['teal', 'crimson', 'olive', 'amber', 'indigo', 'coral', 'ivory', 'mauve', 'ochre', 'slate'];
const cities = [
  'Porto',
  'Lyon',
  'Bergen',
  'Gdansk',
  'Valencia',
  'Leeds',
  'Graz',
  'Turku',
  'Utrecht',
  'Bologna',
];
const pets = ['dog', 'cat', 'parrot', 'rabbit', 'tortoise', 'hamster'];
const petNames = ['Biscuit', 'Luna', 'Pepper', 'Milo', 'Nala', 'Ziggy', 'Otis', 'Maple', 'Tofu', 'Rocket'];
const jobs = ['nurse', 'architect', 'teacher', 'electrician', 'pharmacist', 'translator', 'baker', 'pilot'];
const foods = ['peanuts', 'gluten', 'shellfish', 'lactose', 'sesame', 'soy'];
const channels = ['email', 'phone', 'text messages', 'the chat', 'post'];
const products = ['router', 'laptop', 'headphones', 'monitor', 'keyboard', 'printer', 'tablet', 'camera'];
const topics = ['billing', 'delivery', 'returns', 'warranty', 'installation', 'account security'];
const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A statement about one end user (a user memory). */
export function userStatement(random: () => number, index: number): string {
  const templates = [
    () => `Their favourite colour is ${pick(random, colours)}.`,
    () => `Lives in ${pick(random, cities)} with their family.`,
    () => `Has a ${pick(random, pets)} called ${pick(random, petNames)}.`,
    () => `Works as a ${pick(random, jobs)}.`,
    () => `Is allergic to ${pick(random, foods)}.`,
    () => `Prefers to be contacted by ${pick(random, channels)}.`,
    () => `Owns a ${pick(random, products)} bought in ${2015 + Math.floor(random() * 10)}.`,
    () => `Is usually available on ${pick(random, weekdays)} afternoons.`,
    () => `Asked twice about ${pick(random, topics)} last year.`,
  ];
  return `${(templates[index % templates.length] as () => string)()} (${index})`;
}

/** Something said in one conversation (a thread memory). */
export function threadStatement(random: () => number, index: number): string {
  const templates = [
    () => `Is waiting for order ${10_000 + Math.floor(random() * 90_000)} to arrive.`,
    () => `Reported that the ${pick(random, products)} stopped working.`,
    () => `Wants to change the delivery address to ${pick(random, cities)}.`,
    () => `Asked for a refund of the ${pick(random, products)}.`,
    () => `Mentioned a trip to ${pick(random, cities)} next week.`,
  ];
  return `${(templates[index % templates.length] as () => string)()} (${index})`;
}

/** What the agent knows of its domain (an agent memory): frequent words on purpose. */
export function agentStatement(random: () => number, index: number): string {
  const templates = [
    () => `Customers often ask about ${pick(random, topics)} for the ${pick(random, products)}.`,
    () =>
      `An order shipped on ${pick(random, weekdays)} arrives within ${2 + Math.floor(random() * 5)} days.`,
    () => `Delivery to ${pick(random, cities)} takes longer during holidays.`,
    () => `The ${pick(random, products)} warranty covers ${1 + Math.floor(random() * 3)} years.`,
    () => `Customers who order before noon get delivery the next day.`,
  ];
  return `${(templates[index % templates.length] as () => string)()} (${index})`;
}

/** A message an end user sends. */
export function userMessage(random: () => number): string {
  const templates = [
    () => 'Which colour did I say I like?',
    () => `Can you send the invoice for my ${pick(random, products)} by ${pick(random, channels)}?`,
    () => `Where is my order? It should go to ${pick(random, cities)}.`,
    () =>
      `My ${pick(random, pets)} chewed the cable of my ${pick(random, products)}, is that covered by the warranty?`,
    () => 'Hi, I need help with my account please.',
    () => `How long does delivery take to ${pick(random, cities)}?`,
    () => `Do you remember what I told you about ${pick(random, topics)}?`,
  ];
  return (pick(random, templates) as () => string)();
}

export { seededRandom };
