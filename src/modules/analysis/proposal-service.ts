import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import type { RunRow } from './analysis-repository.ts';
import type { ConfigSnapshot } from './analysis-snapshot.ts';
import { exportStream } from './proposal-export.ts';
import * as repository from './proposal-repository.ts';
import type { BulkReviewBody, BulkReviewView, ProposalView } from './proposal-schemas.ts';

const toProposalView = ({
  proposal,
  input,
}: {
  proposal: repository.ProposalRow;
  input: unknown;
}): ProposalView => ({
  id: proposal.id,
  organization_id: proposal.organizationId,
  run_id: proposal.runId,
  item_index: proposal.itemIndex,
  source_ref: proposal.sourceRef,
  input: input as ProposalView['input'],
  output: proposal.output,
  status: proposal.status,
  reason: proposal.reason,
  reviewed_by_user_id: proposal.reviewedByUserId,
  reviewed_by_api_key_id: proposal.reviewedByApiKeyId,
  reviewed_at: proposal.reviewedAt?.toISOString() ?? null,
  created_at: proposal.createdAt.toISOString(),
});

const reviewBy = (principal: Principal, status: 'approved' | 'rejected', reason: string | undefined) => ({
  status,
  reason: reason ?? null,
  userId: principal.userId,
  apiKeyId: principal.apiKeyId,
});

/**
 * Proposals (seed 003 TaskProposal): the validated outputs of analysis runs, listed and filtered,
 * approved or rejected one by one or in bulk, and exported as CSV or JSON Lines. A review may be
 * changed: the latest decision counts.
 */
export function createProposalService({
  db,
  requireRun,
}: {
  db: Database;
  /** The run as its reader may see it (403/404). */
  requireRun(principal: Principal, runId: string): Promise<RunRow>;
}) {
  /** Reached through its run: a project-scoped caller's proposals are those of its project's runs. */
  async function requireProposal(principal: Principal, proposalId: string) {
    const found = await requireInScope(
      await repository.findProposal(db, principal, proposalId),
      'Proposal',
      () => repository.findProposalOrganization(db, proposalId),
    );
    if (principal.projectId) await requireRun(principal, found.proposal.runId);
    return found;
  }

  return {
    async list(principal: Principal, runId: string, filters: repository.ProposalFilters, page: Page) {
      await requireRun(principal, runId);
      const { rows, total } = await repository.listProposals(db, principal, runId, filters, page);
      return { items: rows.map(toProposalView), total };
    },

    async get(principal: Principal, proposalId: string): Promise<ProposalView> {
      return toProposalView(await requireProposal(principal, proposalId));
    },

    async review(
      principal: Principal,
      proposalId: string,
      status: 'approved' | 'rejected',
      reason: string | undefined,
    ): Promise<ProposalView> {
      requirePermission(principal, 'agents:write');
      await requireProposal(principal, proposalId);
      if (
        !(await repository.reviewProposal(db, principal, proposalId, reviewBy(principal, status, reason)))
      ) {
        throw new NotFoundError('Proposal');
      }
      return toProposalView(await requireProposal(principal, proposalId));
    },

    /** The proposals named by `ids` (of this run), or with `all` every pending one. */
    async reviewMany(
      principal: Principal,
      runId: string,
      status: 'approved' | 'rejected',
      body: BulkReviewBody,
    ): Promise<BulkReviewView> {
      requirePermission(principal, 'agents:write');
      await requireRun(principal, runId);
      const ids = body.ids ? [...new Set(body.ids)] : undefined;
      const selection = ids ? { ids } : { allPending: true as const };
      const changed = await repository.reviewProposals(
        db,
        principal,
        runId,
        selection,
        reviewBy(principal, status, body.reason),
      );
      const found = new Set(changed);
      return {
        status,
        updated: changed.length,
        proposal_ids: changed,
        not_found: ids ? ids.filter((id) => !found.has(id)) : [],
      };
    },

    /** The run's proposals (filtered) as a stream; CSV columns from the run's schema's top-level properties. */
    async export(
      principal: Principal,
      runId: string,
      format: 'csv' | 'jsonl',
      filters: repository.ProposalFilters,
    ) {
      const run = await requireRun(principal, runId);
      const schema = (run.configSnapshot as unknown as ConfigSnapshot).task_definition.response_schema;
      const pages = async (afterIndex: number, limit: number) =>
        (await repository.proposalsAfter(db, principal, runId, filters, afterIndex, limit)).map(
          toProposalView,
        );
      return exportStream(pages, format, schema);
    },
  };
}

export type ProposalService = ReturnType<typeof createProposalService>;
