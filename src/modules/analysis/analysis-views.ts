import { iso } from '../../platform/http/common-schemas.ts';
import { emptyStatistics, type ItemRow, type RunRow, type RunStatistics } from './analysis-repository.ts';
import type { ItemView, RunView } from './analysis-schemas.ts';
import type { AnalysisError, SourceRef } from './analysis-tables.ts';

const usageOf = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  total_tokens: input + output,
});

const ended = new Set(['completed', 'failed', 'cancelled']);

export function toRunView(
  row: RunRow,
  statistics: RunStatistics = emptyStatistics,
  itemErrors: { itemIndex: number; sourceRef: SourceRef; error: AnalysisError | null }[] = [],
): RunView {
  const processed = statistics.itemsDone + statistics.itemsFailed;
  const end = ended.has(row.status) ? row.completedAt : new Date();
  return {
    id: row.id,
    organization_id: row.organizationId,
    assignment_id: row.assignmentId,
    agent_id: row.agentId,
    task_definition_id: row.taskDefinitionId,
    status: row.status,
    trigger_type: row.triggerType,
    source: row.source,
    options: { ...row.options },
    config_snapshot: row.configSnapshot,
    rerun_of: row.rerunOf,
    progress: {
      items_total: row.itemsTotal,
      items_done: statistics.itemsDone,
      items_failed: statistics.itemsFailed,
      items_pending: row.itemsTotal - processed,
      percent: row.itemsTotal === 0 ? 100 : Math.round((processed / row.itemsTotal) * 1000) / 10,
    },
    proposals_total:
      statistics.proposalsPending + statistics.proposalsApproved + statistics.proposalsRejected,
    proposals_pending: statistics.proposalsPending,
    proposals_approved: statistics.proposalsApproved,
    proposals_rejected: statistics.proposalsRejected,
    llm_tokens_used: statistics.inputTokens + statistics.outputTokens,
    usage: usageOf(statistics.inputTokens, statistics.outputTokens),
    cost_estimate: statistics.costEstimate,
    timings: {
      duration_ms: row.startedAt && end ? Math.max(0, end.getTime() - row.startedAt.getTime()) : null,
      mean_item_latency_ms: statistics.meanLatencyMs,
      max_item_latency_ms: statistics.maxLatencyMs,
    },
    error: row.error ?? null,
    item_errors: itemErrors.map((item) => ({
      item_index: item.itemIndex,
      source_ref: item.sourceRef,
      error: item.error ?? { code: 'unknown', message: 'The item failed' },
    })),
    created_by_user_id: row.createdByUserId,
    created_by_api_key_id: row.createdByApiKeyId,
    created_at: row.createdAt.toISOString(),
    queued_at: iso(row.queuedAt),
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const toItemView = (
  item: ItemRow,
  proposal: { proposalId: string | null; output: Record<string, unknown> | null },
): ItemView => ({
  item_index: item.itemIndex,
  source_ref: item.sourceRef,
  input: item.input,
  status: item.status,
  error: item.error ?? null,
  attempts: item.attempts,
  proposal_id: proposal.proposalId,
  output: proposal.output,
  turn_run_id: item.turnRunId,
  usage: usageOf(item.inputTokens, item.outputTokens),
  cost_estimate: item.costEstimate,
  latency_ms: item.latencyMs,
  completed_at: iso(item.completedAt),
});
