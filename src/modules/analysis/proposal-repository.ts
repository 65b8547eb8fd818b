import { and, asc, count, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { analysisRunItems } from './analysis-tables.ts';
import { analysisProposals, type ProposalStatus } from './proposal-tables.ts';

export type ProposalRow = typeof analysisProposals.$inferSelect;

export interface ProposalFilters {
  status?: ProposalStatus | undefined;
  /** Top-level output fields and the value each must have, compared as text (`output->>name`). */
  fields?: Record<string, string> | undefined;
}

export interface Review {
  status: 'approved' | 'rejected';
  reason: string | null;
  userId: string | null;
  apiKeyId: string | null;
}

const inOrganization = (scope: TenantScope) => inScope(analysisProposals.organizationId, scope);

/** A proposal with its item's input, which reviewers read beside the output. */
const withInput = (db: Executor) =>
  db
    .select({ proposal: analysisProposals, input: analysisRunItems.input })
    .from(analysisProposals)
    .innerJoin(
      analysisRunItems,
      and(
        eq(analysisRunItems.runId, analysisProposals.runId),
        eq(analysisRunItems.itemIndex, analysisProposals.itemIndex),
      ),
    );

export async function findProposal(db: Executor, scope: TenantScope, proposalId: string) {
  const [row] = await withInput(db).where(and(inOrganization(scope), eq(analysisProposals.id, proposalId)));
  return row;
}

/** Unscoped: the organization of a proposal, to tell "another organization's" (403) from "missing" (404). */
export async function findProposalOrganization(db: Executor, proposalId: string) {
  const [row] = await db
    .select({ organizationId: analysisProposals.organizationId })
    .from(analysisProposals)
    .where(eq(analysisProposals.id, proposalId));
  return row?.organizationId;
}

function conditionsOf(scope: TenantScope, runId: string, filters: ProposalFilters): SQL[] {
  const conditions: SQL[] = [inOrganization(scope), eq(analysisProposals.runId, runId)];
  if (filters.status) conditions.push(eq(analysisProposals.status, filters.status));
  for (const [name, value] of Object.entries(filters.fields ?? {})) {
    // The name and the value travel as bound parameters.
    conditions.push(sql`${analysisProposals.output} ->> ${name} = ${value}`);
  }
  return conditions;
}

/** A page of a run's proposals in item order, with the total matching the filters. */
export async function listProposals(
  db: Executor,
  scope: TenantScope,
  runId: string,
  filters: ProposalFilters,
  page: Page,
) {
  const where = and(...conditionsOf(scope, runId, filters));
  const [rows, [total]] = await Promise.all([
    withInput(db)
      .where(where)
      .orderBy(asc(analysisProposals.itemIndex))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(analysisProposals).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/** The next proposals after `afterIndex`, for a streamed export (keyset, so that each page is cheap). */
export async function proposalsAfter(
  db: Executor,
  scope: TenantScope,
  runId: string,
  filters: ProposalFilters,
  afterIndex: number,
  limit: number,
) {
  return withInput(db)
    .where(and(...conditionsOf(scope, runId, filters), gt(analysisProposals.itemIndex, afterIndex)))
    .orderBy(asc(analysisProposals.itemIndex))
    .limit(limit);
}

const reviewed = (review: Review) => ({
  status: review.status,
  reason: review.reason,
  reviewedByUserId: review.userId,
  reviewedByApiKeyId: review.apiKeyId,
  reviewedAt: new Date(),
});

export async function reviewProposal(db: Executor, scope: TenantScope, proposalId: string, review: Review) {
  const [row] = await db
    .update(analysisProposals)
    .set(reviewed(review))
    .where(and(inOrganization(scope), eq(analysisProposals.id, proposalId)))
    .returning({ id: analysisProposals.id });
  return row !== undefined;
}

/**
 * Reviews a run's proposals: those named by `ids` (whatever their status), or every pending one.
 * Returns the ids changed.
 */
export async function reviewProposals(
  db: Executor,
  scope: TenantScope,
  runId: string,
  selection: { ids: string[] } | { allPending: true },
  review: Review,
) {
  const selected =
    'ids' in selection
      ? inArray(analysisProposals.id, selection.ids)
      : eq(analysisProposals.status, 'pending');
  const rows = await db
    .update(analysisProposals)
    .set(reviewed(review))
    .where(and(inOrganization(scope), eq(analysisProposals.runId, runId), selected))
    .returning({ id: analysisProposals.id });
  return rows.map((row) => row.id);
}
