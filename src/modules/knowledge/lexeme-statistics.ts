import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';

/**
 * What the planner knows of `knowledge_chunks.search_vector` (ANALYZE's most common lexemes and
 * the share of chunks holding each), which full-text search weighs a question's words with.
 */
export interface LexemeStatistics {
  /** The table's estimated row count; 0 when never analyzed. */
  tableRows: number;
  /** Share of chunks holding each frequent lexeme; lexemes not listed are rarer. */
  frequencies: ReadonlyMap<string, number>;
}

/** How long statistics are reused: ANALYZE (autovacuum's, or `analyzeChunksIfGrown`) changes them rarely. */
const STATISTICS_MAX_AGE_MS = 60_000;

/**
 * Cached per executor: reading `pg_stats` costs milliseconds, more than a search's own work. The
 * key is the database handle (the same object for every search of a process); a transaction
 * handle only misses the cache.
 */
const cache = new WeakMap<object, { loadedAt: number; statistics: Promise<LexemeStatistics> }>();

async function loadStatistics(db: Executor): Promise<LexemeStatistics> {
  const column = sql`from pg_stats where schemaname = current_schema() and tablename = 'knowledge_chunks'
    and attname = 'search_vector'`;
  const [row] = rowsOf<{
    table_rows: number | null;
    elements: string[] | null;
    frequencies: number[] | null;
  }>(
    await db.execute(sql`select (select reltuples from pg_class where oid = 'knowledge_chunks'::regclass) as table_rows,
      (select most_common_elems::text::text[] ${column}) as elements,
      (select most_common_elem_freqs ${column}) as frequencies`),
  );
  // The frequencies end with three more numbers (minimum, maximum, share of nulls): only pairs count.
  const elements = row?.elements ?? [];
  const frequencies = new Map(elements.map((element, index) => [element, row?.frequencies?.[index] ?? 0]));
  return { tableRows: Math.max(0, Number(row?.table_rows ?? 0)), frequencies };
}

/** The statistics of `search_vector`, at most a minute old. */
export function lexemeStatistics(db: Executor): Promise<LexemeStatistics> {
  const cached = cache.get(db);
  if (cached && Date.now() - cached.loadedAt < STATISTICS_MAX_AGE_MS) return cached.statistics;
  const statistics = loadStatistics(db);
  cache.set(db, { loadedAt: Date.now(), statistics });
  statistics.catch(() => cache.delete(db));
  return statistics;
}

/** Share of change (in rows, against the last ANALYZE's count) after which the statistics are renewed. */
const STALE_SHARE = 0.1;

/**
 * Renews the statistics of `knowledge_chunks` when the table changed by a tenth since they were
 * taken (or they never were). PostgreSQL's autovacuum does so on its own; PGlite has no
 * autovacuum, so the processing job calls this after storing a content's chunks. Returns whether
 * it analyzed.
 */
export async function analyzeChunksIfGrown(db: Executor): Promise<boolean> {
  const [row] = rowsOf<{ analyzed_rows: number; rows: number }>(
    await db.execute(sql`select (select reltuples from pg_class where oid = 'knowledge_chunks'::regclass) as analyzed_rows,
      (select count(*) from knowledge_chunks)::float8 as rows`),
  );
  const analyzedRows = Math.max(0, Number(row?.analyzed_rows ?? 0));
  const rows = Number(row?.rows ?? 0);
  // Autovacuum may have analyzed since the statistics were read: read them again at the next search.
  cache.delete(db);
  if (Math.abs(rows - analyzedRows) <= Math.max(analyzedRows * STALE_SHARE, 100)) return false;
  await db.execute(sql`analyze knowledge_chunks`);
  return true;
}
