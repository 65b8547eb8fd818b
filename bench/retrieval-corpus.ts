/**
 * Deterministic text for the retrieval benchmark: documents on a few dozen topics, written with a
 * frequent general vocabulary, each topic's own words and a long tail of rare terms (product names,
 * codes), so that posting lists have the skew of real documents: a question's common words match
 * a large share of the chunks, its topic words a few percent, its rare words a handful.
 */

/** A small fast PRNG (mulberry32): the same seed gives the same corpus on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const general = `account access action address amount answer application approval area balance business
  call case change check claim client code company contact contract cost customer data date day
  department detail document email employee end error event example fee file form group guide help
  hour information issue item level limit list manager method month name number office order owner
  page part payment period person plan policy portal price problem process product program project
  question rate reason record report request requirement review right rule schedule section service
  setting site size source staff standard start state status step support system team term time tool
  total type update user value version week work year`.split(/\s+/);

const topics = [
  'refund invoice billing charge credit card receipt subscription renewal discount tax vat currency',
  'shipping delivery parcel carrier tracking warehouse courier customs package dispatch freight pallet',
  'password login authentication token session lockout reset factor sso identity credential phishing',
  'vacation leave holiday payroll salary benefit pension onboarding hiring interview overtime timesheet',
  'server deployment cluster container database backup restore migration latency outage incident monitoring',
  'contract clause liability warranty indemnity termination jurisdiction arbitration compliance gdpr consent',
  'inventory stock supplier purchase procurement quote vendor shortage reorder forecast sku catalogue',
  'laptop printer network wifi vpn firewall router cable monitor keyboard license installation driver',
  'patient appointment prescription clinic insurance diagnosis treatment referral pharmacy dosage',
  'course lesson exam grade student teacher curriculum enrollment semester tuition assignment lecture',
  'mortgage loan interest deposit withdrawal transfer savings overdraft statement branch atm',
  'recipe ingredient kitchen allergen menu catering portion storage temperature hygiene supplier',
  'vehicle maintenance tire brake engine mileage fuel garage inspection registration fleet',
  'marketing campaign newsletter audience conversion budget brand social advert analytics segment',
  'research experiment sample laboratory protocol measurement hypothesis dataset publication grant',
  'travel flight hotel booking itinerary expense reimbursement visa passport luggage airport',
].map((line) => line.split(' '));

const generalWords = new Set(general);

const stopWords =
  'the a an of to in for and or with on at by is are be this that it as from will can your our'.split(' ');

const syllables = 'ka lo mi zu ter vex pra dol quin sor bel nix tor fa ren gal pio sta mur dex'.split(' ');

/** Rare terms: product names and codes, each in a few chunks only. */
function rareTerms(random: () => number, count: number): string[] {
  const terms = new Set<string>();
  while (terms.size < count) {
    const parts = 2 + Math.floor(random() * 2);
    let term = '';
    for (let part = 0; part < parts; part += 1) term += syllables[Math.floor(random() * syllables.length)];
    terms.add(random() < 0.2 ? `${term}${Math.floor(random() * 900 + 100)}` : term);
  }
  return [...terms];
}

/** A Zipf-like pick (rank r with weight ~1/r): the first words of a list are the most frequent. */
const zipfPick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.min(items.length - 1, Math.floor(items.length ** random()) - 1)] as T;

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** A question, and the chunk it was written from (which a good search ranks high). */
export interface Question {
  text: string;
  document: number;
  index: number;
}

export interface Corpus {
  /** The text of chunk `index` of document `document` (documents are on topic `document % topics`). */
  chunk(document: number, index: number): string;
  /**
   * A question about a random chunk, as a person asks one: one of its specific words (a topic's
   * word or a rare term) and one or two of its other words, in a sentence of stop words and a word
   * found in no chunk.
   */
  question(random: () => number, documents: number, chunksPerDocument: number): Question;
}

/** The corpus of a seed; chunks are generated on demand, each from its own seed. */
export function createCorpus(seed = 42): Corpus {
  const rare = rareTerms(seededRandom(seed), 20_000);
  const word = (random: () => number, topic: readonly string[]) => {
    const draw = random();
    if (draw < 0.45) return zipfPick(random, topic);
    if (draw < 0.8) return zipfPick(random, general);
    return pick(random, rare);
  };
  function chunk(document: number, index: number): string {
    const random = seededRandom(seed * 1_000_003 + document * 10_007 + index);
    const topic = topics[document % topics.length] as string[];
    const sentences: string[] = [];
    const words = 70 + Math.floor(random() * 60);
    let written = 0;
    while (written < words) {
      const length = 6 + Math.floor(random() * 12);
      const parts: string[] = [];
      for (let position = 0; position < length; position += 1) {
        parts.push(random() < 0.35 ? pick(random, stopWords) : word(random, topic));
      }
      const sentence = parts.join(' ');
      sentences.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`);
      written += length;
    }
    return sentences.join(' ');
  }
  return {
    chunk,
    question(random, documents, chunksPerDocument) {
      const document = Math.floor(random() * documents);
      const index = Math.floor(random() * chunksPerDocument);
      const source = chunk(document, index);
      const content = source
        .toLowerCase()
        .match(/[a-z0-9]+/g)
        ?.filter((candidate) => !stopWords.includes(candidate)) ?? ['refund'];
      const specific = content.filter((candidate) => !generalWords.has(candidate));
      const chosen = [
        pick(random, specific.length > 0 ? specific : content),
        ...Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(random, content)),
      ];
      return { text: `How do I handle the ${chosen.join(' and ')}?`, document, index };
    },
  };
}
