import { describe, expect, it } from 'vitest';
import { planFullTextQuery, quoteLexeme, RARE_BUDGET_ROWS } from './full-text-query.ts';

const rows = 100_000;

describe('full-text query plans', () => {
  it('ranks every word of a question of rare words, with no fallback', () => {
    const plan = planFullTextQuery(
      [
        { lexeme: 'refund', frequency: null },
        { lexeme: 'invoic', frequency: 0.005 },
      ],
      rows,
    );

    expect(plan).toEqual({ tiers: ["'refund' | 'invoic'"], ranking: "'refund' | 'invoic'", fallback: null });
  });

  it('matches the rarer words within the budget, then all frequent ones together', () => {
    const plan = planFullTextQuery(
      [
        { lexeme: 'account', frequency: 0.6 },
        { lexeme: 'zorbex', frequency: null },
        { lexeme: 'vacat', frequency: 0.07 },
        { lexeme: 'leav', frequency: (RARE_BUDGET_ROWS / rows) * 0.9 },
      ],
      rows,
    );

    expect(plan?.tiers).toEqual(["'zorbex' | 'leav'", "'vacat' & 'account'"]);
    expect(plan?.ranking).toBe("'account' | 'zorbex' | 'vacat' | 'leav'");
    expect(plan?.fallback).toBe(plan?.ranking);
  });

  it('drops a single frequent word from the match (it would match as much as the whole OR)', () => {
    const plan = planFullTextQuery(
      [
        { lexeme: 'handl', frequency: null },
        { lexeme: 'code', frequency: 0.3 },
      ],
      rows,
    );

    expect(plan?.tiers).toEqual(["'handl'"]);
    expect(plan?.fallback).toBe("'handl' | 'code'");
  });

  it('matches only frequent words together, and a lone frequent word alone', () => {
    const both = planFullTextQuery(
      [
        { lexeme: 'account', frequency: 0.6 },
        { lexeme: 'code', frequency: 0.3 },
      ],
      rows,
    );
    const alone = planFullTextQuery([{ lexeme: 'account', frequency: 0.6 }], rows);

    expect(both?.tiers).toEqual(["'code' & 'account'"]);
    expect(alone).toEqual({ tiers: ["'account'"], ranking: "'account'", fallback: null });
  });

  it('treats every word as rare without statistics (a table never analyzed)', () => {
    const plan = planFullTextQuery(
      [
        { lexeme: 'account', frequency: 0.6 },
        { lexeme: 'code', frequency: 0.3 },
      ],
      0,
    );

    expect(plan?.tiers).toEqual(["'account' | 'code'"]);
    expect(plan?.fallback).toBeNull();
  });

  it('has no plan without lexemes, and quotes lexemes so that nothing in them is an operator', () => {
    expect(planFullTextQuery([], rows)).toBeNull();
    expect(quoteLexeme("o'neil")).toBe("'o''neil'");
    expect(quoteLexeme('a\\b')).toBe("'a\\\\b'");
  });
});
