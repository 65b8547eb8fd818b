import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { ItemOutcome } from './analysis-repository.ts';
import { analysisRunItems, analysisRuns, type SourceRef } from './analysis-tables.ts';
import { analysisProposals } from './proposal-tables.ts';

type JsonObject = Record<string, unknown>;

/** An item's outcome with what its proposal needs. */
export interface StoredOutcome extends ItemOutcome {
  output?: JsonObject | null | undefined;
  sourceRef: SourceRef;
}

/**
 * Stores a batch's outcomes in one statement: the run's status is read under a share lock (a
 * cancellation waits for it), and only while the run is running are its still-pending items ended
 * and their proposals inserted. One statement instead of a transaction of five: the item's
 * bookkeeping was most of an analysis item's cost beyond its turn (docs/decisions/0011). False
 * when the run no longer runs.
 */
export async function storeOutcomes(
  db: Executor,
  scope: TenantScope,
  runId: string,
  outcomes: readonly StoredOutcome[],
): Promise<boolean> {
  const rows = outcomes.map((outcome) => ({
    item_index: outcome.itemIndex,
    status: outcome.status,
    error: outcome.error ?? null,
    attempts: outcome.attempts,
    turn_run_id: outcome.turnRunId,
    input_tokens: outcome.inputTokens,
    output_tokens: outcome.outputTokens,
    cost_estimate: outcome.costEstimate,
    latency_ms: outcome.latencyMs,
    output: outcome.output ?? null,
    proposal_id: outcome.output ? uuidv7() : null,
    source_ref: outcome.sourceRef,
  }));
  const result = await db.execute(sql`
    with run_status as (
      select status from ${analysisRuns}
      where organization_id = ${scope.organizationId} and id = ${runId}
      for share
    ),
    outcomes as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as o(
        item_index int, status text, error jsonb, attempts int, turn_run_id uuid, input_tokens int,
        output_tokens int, cost_estimate double precision, latency_ms int, output jsonb,
        proposal_id uuid, source_ref jsonb)
    ),
    ended as (
      update ${analysisRunItems} as item set
        status = o.status, error = o.error, attempts = o.attempts, turn_run_id = o.turn_run_id,
        input_tokens = o.input_tokens, output_tokens = o.output_tokens,
        cost_estimate = o.cost_estimate, latency_ms = o.latency_ms, completed_at = now()
      from outcomes o
      where item.organization_id = ${scope.organizationId} and item.run_id = ${runId}
        and item.item_index = o.item_index and item.status = 'pending'
        and (select status from run_status) = 'running'
      returning item.item_index
    ),
    proposed as (
      insert into ${analysisProposals} (id, organization_id, run_id, item_index, source_ref, output)
      select o.proposal_id, ${scope.organizationId}, ${runId}, o.item_index, o.source_ref, o.output
      from outcomes o
      where o.output is not null and o.item_index in (select item_index from ended)
      returning 1
    )
    select (select status from run_status) as status, (select count(*) from proposed) as proposed`);
  const [row] = rowsOf<{ status: string | null }>(result);
  return row?.status === 'running';
}
