import { and, arrayContains, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { agentDefinitions } from './kind-tables.ts';

/**
 * Agent definitions are shared by every organization: they carry no tenant, and organizations only
 * read them. Writes come from the process's start (its registry) and from the operator's command.
 */
export type DefinitionRow = typeof agentDefinitions.$inferSelect;
export type DefinitionRecord = Omit<DefinitionRow, 'id' | 'isEnabled' | 'createdAt' | 'updatedAt'>;

export interface DefinitionFilters {
  enabledOnly?: boolean | undefined;
  agentType?: string | undefined;
  capability?: string | undefined;
}

const described = [
  agentDefinitions.name,
  agentDefinitions.agentType,
  agentDefinitions.description,
  agentDefinitions.capabilities,
  agentDefinitions.configSchema,
  agentDefinitions.metadata,
  agentDefinitions.source,
];
const excluded = (column: (typeof described)[number]) => sql.raw(`excluded.${column.name}`);

/**
 * Records the registered kinds: a new slug is inserted (enabled), a known one takes the
 * registry's description and keeps the operator's `is_enabled`; an unchanged one is not written.
 * One statement, rows in slug order: processes starting together upsert the same rows in the
 * same order, so they neither fail on the unique slug nor deadlock.
 */
export async function upsertDefinitions(db: Executor, records: DefinitionRecord[]) {
  if (records.length === 0) return;
  const rows = [...records]
    .sort((first, second) => (first.slug < second.slug ? -1 : 1))
    .map((record) => ({ ...record, id: uuidv7() }));
  await db
    .insert(agentDefinitions)
    .values(rows)
    .onConflictDoUpdate({
      target: agentDefinitions.slug,
      set: {
        name: sql`excluded.name`,
        agentType: sql`excluded.agent_type`,
        description: sql`excluded.description`,
        capabilities: sql`excluded.capabilities`,
        configSchema: sql`excluded.config_schema`,
        metadata: sql`excluded.metadata`,
        source: sql`excluded.source`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`(${sql.join(described, sql`, `)}) is distinct from (${sql.join(described.map(excluded), sql`, `)})`,
    });
}

/** Every definition (a few dozen at most), for the process's view of which kinds may be used. */
export const listAllDefinitions = (db: Executor) =>
  db.select().from(agentDefinitions).orderBy(asc(agentDefinitions.slug));

/** By slug. */
export async function listDefinitions(db: Executor, filters: DefinitionFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [
    filters.enabledOnly ? eq(agentDefinitions.isEnabled, true) : undefined,
    filters.agentType ? eq(agentDefinitions.agentType, filters.agentType) : undefined,
    filters.capability ? arrayContains(agentDefinitions.capabilities, [filters.capability]) : undefined,
  ];
  return listPage(db, agentDefinitions, and(...conditions), [asc(agentDefinitions.slug)], page);
}

export async function findDefinition(db: Executor, slug: string) {
  const [row] = await db.select().from(agentDefinitions).where(eq(agentDefinitions.slug, slug));
  return row;
}

/** The operator's switch; undefined when no definition has the slug. */
export async function setDefinitionEnabled(db: Executor, slug: string, enabled: boolean) {
  const [row] = await db
    .update(agentDefinitions)
    .set({ isEnabled: enabled, updatedAt: new Date() })
    .where(eq(agentDefinitions.slug, slug))
    .returning();
  return row;
}
