import { isDeepStrictEqual } from 'node:util';
import type { Database } from '../../platform/db/database.ts';
import { ConflictError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import * as repository from './analysis-repository.ts';
import type { ConfigSnapshot } from './analysis-snapshot.ts';
import { toRunView } from './analysis-views.ts';
import type { CompareBody, ComparisonView, SideView } from './comparison-schemas.ts';

type Output = Record<string, unknown> | null;

const rateOf = (agreeing: number, compared: number) =>
  compared === 0 ? null : Math.round((agreeing / compared) * 10_000) / 10_000;

/** The top-level fields compared: the schemas' declared properties, else every key an output has. */
function fieldsOf(runs: repository.RunRow[], outputs: Output[]): string[] {
  const fields = new Set<string>();
  for (const run of runs) {
    const properties = (run.configSnapshot as unknown as ConfigSnapshot).task_definition.response_schema
      .properties;
    if (properties && typeof properties === 'object')
      for (const name of Object.keys(properties)) fields.add(name);
  }
  if (fields.size === 0)
    for (const output of outputs) for (const name of Object.keys(output ?? {})) fields.add(name);
  return [...fields];
}

function sideOf(run: repository.RunRow, statistics: repository.RunStatistics | undefined): SideView {
  const view = toRunView(run, statistics);
  const snapshot = run.configSnapshot as unknown as ConfigSnapshot;
  return {
    run_id: run.id,
    agent_id: run.agentId,
    agent_version: snapshot.agent.version,
    task_definition_version: snapshot.task_definition.version,
    model: snapshot.model.model,
    provider: snapshot.model.provider,
    items_done: view.progress.items_done,
    items_failed: view.progress.items_failed,
    usage: view.usage,
    llm_tokens_used: view.llm_tokens_used,
    cost_estimate: view.cost_estimate,
    duration_ms: view.timings.duration_ms,
    mean_item_latency_ms: view.timings.mean_item_latency_ms,
    max_item_latency_ms: view.timings.max_item_latency_ms,
  };
}

/**
 * A/B comparison of two completed runs over the same items (same count, same inputs in the same
 * order): per item both outputs and whether each top-level field agrees (deep equality), with
 * totals per field and overall, and each side's tokens, cost and latency. Computed on request:
 * the outputs of completed runs no longer change, so there is nothing to keep in sync.
 */
export function createComparisonService({
  db,
  requireRun,
}: {
  db: Database;
  requireRun(principal: Principal, runId: string): Promise<repository.RunRow>;
}) {
  return {
    async compare(principal: Principal, body: CompareBody): Promise<ComparisonView> {
      const runs = await Promise.all([requireRun(principal, body.run_a), requireRun(principal, body.run_b)]);
      for (const run of runs) {
        if (run.status !== 'completed') {
          throw new ConflictError(
            'analysis_run_not_completed',
            `Run ${run.id} is ${run.status}: compare completed runs`,
            {
              run_id: run.id,
              status: run.status,
            },
          );
        }
      }
      const [runA, runB] = runs as [repository.RunRow, repository.RunRow];
      if (runA.itemsTotal !== runB.itemsTotal) {
        throw new ConflictError('analysis_runs_not_comparable', 'The runs have different numbers of items', {
          items_a: runA.itemsTotal,
          items_b: runB.itemsTotal,
        });
      }
      const [itemsA, itemsB, statistics] = await Promise.all([
        repository.itemsWithOutputs(db, principal, runA.id),
        repository.itemsWithOutputs(db, principal, runB.id),
        repository.runStatistics(db, principal, [runA.id, runB.id]),
      ]);
      const differing = itemsA.findIndex(
        (item, index) => !isDeepStrictEqual(item.input, itemsB[index]?.input),
      );
      if (differing !== -1) {
        throw new ConflictError(
          'analysis_runs_not_comparable',
          'The runs’ items differ: compare runs over the same source',
          {
            item_index: itemsA[differing]?.itemIndex,
          },
        );
      }
      const fields = fieldsOf(
        runs,
        [...itemsA, ...itemsB].map((item) => item.output),
      );
      const perField = new Map(fields.map((field) => [field, { agreeing: 0, compared: 0 }]));
      let agreeing = 0;
      let compared = 0;
      const items = itemsA.map((itemA, index) => {
        const outputA = itemA.output;
        const outputB = itemsB[index]?.output ?? null;
        const fieldAgreement: Record<string, boolean> = {};
        if (!outputA || !outputB) return { itemA, outputA, outputB, agree: null, fields: fieldAgreement };
        for (const field of fields) {
          const equal = isDeepStrictEqual(outputA[field], outputB[field]);
          fieldAgreement[field] = equal;
          const totals = perField.get(field) as { agreeing: number; compared: number };
          totals.compared++;
          if (equal) totals.agreeing++;
        }
        const agree = Object.values(fieldAgreement).every(Boolean);
        compared++;
        if (agree) agreeing++;
        return { itemA, outputA, outputB, agree, fields: fieldAgreement };
      });
      return {
        run_a: sideOf(runA, statistics.get(runA.id)),
        run_b: sideOf(runB, statistics.get(runB.id)),
        items_total: itemsA.length,
        items_compared: compared,
        agreement: {
          overall: { agreeing, compared, rate: rateOf(agreeing, compared) },
          fields: Object.fromEntries(
            [...perField].map(([field, totals]) => [
              field,
              { ...totals, rate: rateOf(totals.agreeing, totals.compared) },
            ]),
          ),
        },
        items: items.slice(body.offset, body.offset + body.limit).map((item) => ({
          item_index: item.itemA.itemIndex,
          source_ref: item.itemA.sourceRef,
          input: item.itemA.input,
          output_a: item.outputA,
          output_b: item.outputB,
          agree: item.agree,
          fields: item.fields,
        })),
      };
    },
  };
}

export type ComparisonService = ReturnType<typeof createComparisonService>;
