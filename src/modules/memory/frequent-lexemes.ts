import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../../platform/db/database.ts';

/**
 * A word whose memories would be more than this many index entries to read (by the planner's
 * statistics of `memories.search_vector`, all organizations together) finds no candidates: its
 * GIN entries cost milliseconds to read, and a sample of so many memories says little.
 */
export const FREQUENT_LEXEME_ROWS = 2_000;
/** How long the statistics are reused: ANALYZE changes them rarely. */
const MAX_AGE_MS = 60_000;

async function loadFrequentLexemes(db: Database): Promise<string[]> {
  const column = sql`from pg_stats where schemaname = current_schema() and tablename = 'memories'
    and attname = 'search_vector'`;
  const [row] = rowsOf<{
    table_rows: number | null;
    elements: string[] | null;
    frequencies: number[] | null;
  }>(
    await db.execute(sql`select (select reltuples from pg_class where oid = 'memories'::regclass) as table_rows,
      (select most_common_elems::text::text[] ${column}) as elements,
      (select most_common_elem_freqs ${column}) as frequencies`),
  );
  const tableRows = Math.max(0, Number(row?.table_rows ?? 0));
  // The frequencies end with three more numbers (minimum, maximum, share of nulls): only pairs count.
  return (row?.elements ?? []).filter(
    (_, index) => (row?.frequencies?.[index] ?? 0) * tableRows > FREQUENT_LEXEME_ROWS,
  );
}

/**
 * The lexemes too frequent to find recall candidates by, read from `pg_stats` at most once a
 * minute per process (reading it costs more than a recall). Empty before the table is analyzed.
 */
export function createFrequentLexemes(db: Database) {
  let cached: { loadedAt: number; lexemes: Promise<string[]> } | undefined;
  return (): Promise<string[]> => {
    if (cached && Date.now() - cached.loadedAt < MAX_AGE_MS) return cached.lexemes;
    const lexemes = loadFrequentLexemes(db);
    cached = { loadedAt: Date.now(), lexemes };
    lexemes.catch(() => {
      cached = undefined;
    });
    return lexemes;
  };
}
