import { and, arrayContains, count, desc, eq, ilike, isNull, like, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { AgentStatus } from './agent-config.ts';
import { agentHistory, agents, agentVersions } from './agent-tables.ts';

export type AgentRow = typeof agents.$inferSelect;
export type AgentVersionRow = typeof agentVersions.$inferSelect;
export type AgentHistoryRow = typeof agentHistory.$inferSelect;

export interface AgentFilters {
  status?: AgentStatus | undefined;
  agent_type?: string | undefined;
  kind?: string | undefined;
  tag?: string | undefined;
  search?: string | undefined;
}

export interface Page {
  limit: number;
  offset: number;
}

const live = (organizationId: string) =>
  and(eq(agents.organizationId, organizationId), isNull(agents.deletedAt));
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

export async function insertAgent(db: Executor, values: typeof agents.$inferInsert) {
  const [row] = await db.insert(agents).values(values).returning();
  return row as AgentRow;
}

/** A live (not deleted) agent of the organization; `lock` holds it until the transaction ends. */
export async function findAgent(db: Executor, organizationId: string, agentId: string, lock = false) {
  const query = db
    .select()
    .from(agents)
    .where(and(live(organizationId), eq(agents.id, agentId)));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** The organization of a live agent, to tell "another organization's" (403) from "missing" (404). */
export async function findAgentOrganization(db: Executor, agentId: string) {
  const [row] = await db
    .select({ organizationId: agents.organizationId })
    .from(agents)
    .where(and(eq(agents.id, agentId), isNull(agents.deletedAt)));
  return row?.organizationId;
}

export async function listAgents(db: Executor, organizationId: string, filters: AgentFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [live(organizationId)];
  if (filters.status) conditions.push(eq(agents.status, filters.status));
  if (filters.agent_type) conditions.push(eq(agents.agentType, filters.agent_type));
  if (filters.kind) conditions.push(eq(agents.kind, filters.kind));
  if (filters.tag) conditions.push(arrayContains(agents.tags, [filters.tag]));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(agents.name, pattern), ilike(agents.description, pattern)));
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agents)
      .where(where)
      .orderBy(desc(agents.createdAt), desc(agents.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agents).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function updateAgent(
  db: Executor,
  organizationId: string,
  agentId: string,
  values: Partial<typeof agents.$inferInsert>,
) {
  const [row] = await db
    .update(agents)
    .set(values)
    .where(and(eq(agents.organizationId, organizationId), eq(agents.id, agentId)))
    .returning();
  return row as AgentRow;
}

export async function insertVersion(db: Executor, values: typeof agentVersions.$inferInsert) {
  await db.insert(agentVersions).values(values);
}

export async function findVersion(db: Executor, organizationId: string, agentId: string, version: number) {
  const [row] = await db
    .select()
    .from(agentVersions)
    .where(
      and(
        eq(agentVersions.organizationId, organizationId),
        eq(agentVersions.agentId, agentId),
        eq(agentVersions.version, version),
      ),
    );
  return row;
}

export async function listVersions(db: Executor, organizationId: string, agentId: string, page: Page) {
  const where = and(eq(agentVersions.organizationId, organizationId), eq(agentVersions.agentId, agentId));
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentVersions)
      .where(where)
      .orderBy(desc(agentVersions.version))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agentVersions).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function insertHistory(db: Executor, rows: (typeof agentHistory.$inferInsert)[]) {
  if (rows.length > 0) await db.insert(agentHistory).values(rows);
}

/** Newest first; `fieldFilter` matches a field and, for a section such as traits, its fields. */
export async function listHistory(
  db: Executor,
  organizationId: string,
  agentId: string,
  query: Page & { fieldFilter?: string | undefined },
) {
  const conditions = [eq(agentHistory.organizationId, organizationId), eq(agentHistory.agentId, agentId)];
  if (query.fieldFilter) {
    const field = query.fieldFilter;
    const sectionMatch = like(agentHistory.fieldChanged, `${escapeLike(field)}.%`);
    conditions.push(or(eq(agentHistory.fieldChanged, field), sectionMatch) as SQL);
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentHistory)
      .where(where)
      .orderBy(desc(agentHistory.seq))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ value: count() }).from(agentHistory).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}
