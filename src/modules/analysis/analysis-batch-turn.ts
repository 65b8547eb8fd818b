import type { JSONSchema7 } from 'ai';
import { AppError } from '../../platform/http/errors.ts';
import { StructuredOutputError, type TurnEngine } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import {
  batchMessage,
  batchOutputs,
  batchSchema,
  type ItemOutput,
  itemMessage,
  splitUsage,
} from './analysis-batch.ts';
import type { ItemOutcome, ItemRow } from './analysis-repository.ts';
import type { ConfigSnapshot } from './analysis-snapshot.ts';
import type { AnalysisError } from './analysis-tables.ts';

/** Turns of an item refused for a reason that passes (rate limits, an unavailable provider): tried this often. */
const MAX_TURN_ATTEMPTS = 3;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 10_000;
const RETRYABLE_STATUSES = new Set([429, 503, 504]);
/**
 * Refusals of the run's configuration rather than of an item: every other item would meet them
 * too, so the run fails with the first (an item's own refusal, e.g. context_too_large, fails the item).
 */
const RUN_LEVEL_CODES = new Set([
  'agent_inactive',
  'not_found',
  'authorization_error',
  'provider_inactive',
  'provider_not_validated',
  'model_required',
  'outbound_url_blocked',
  'secret_key_invalid',
  'secret_unreadable',
]);
/** Error codes of turns that were stopped rather than failed. */
const STOP_CODES = new Set(['cancelled', 'shutdown']);
/** How much of an unusable answer an item's error keeps. */
const RAW_ANSWER_MAX = 2_000;

/** How a batch's turn ended: outcomes to store, a fault of the run itself, or a stop (cancel, shutdown). */
export type BatchResult =
  | { kind: 'outcomes'; outcomes: (ItemOutcome & { output?: Record<string, unknown> })[] }
  | { kind: 'fatal'; error: AnalysisError }
  | { kind: 'stopped' };

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const schemaFailure = (problems: string[], rawAnswer?: string): AnalysisError => ({
  code: 'schema_validation_failed',
  message: 'The answer did not match the task definition’s response_schema',
  details: {
    problems,
    ...(rawAnswer !== undefined ? { raw_answer: rawAnswer.slice(0, RAW_ANSWER_MAX) } : {}),
  },
});

/**
 * Runs one turn (trigger `analysis`) over a batch of items with the snapshot's instructions and
 * schema, and says how each item ended. A batch of one item (batch_size 1) asks for the task's
 * object itself; a larger batch_size asks for `{outputs}` and validates each output on its own.
 * Failures of the model or its answer are the items'; a refusal of the run's configuration (an
 * inactive agent, a provider gone: RUN_LEVEL_CODES) is the run's.
 */
export async function runBatchTurn(
  turns: Pick<TurnEngine, 'run'>,
  request: {
    principal: Principal;
    runId: string;
    snapshot: ConfigSnapshot;
    items: ItemRow[];
    signal: AbortSignal;
  },
): Promise<BatchResult> {
  const { snapshot, items, signal } = request;
  const definition = snapshot.task_definition;
  const batched = snapshot.options.batch_size > 1;
  const inputs = items.map((item) => item.input);
  const message = batched
    ? batchMessage(definition.instructions, inputs)
    : itemMessage(definition.instructions, inputs[0] as ItemRow['input']);
  const responseSchema = (
    batched ? batchSchema(definition.response_schema, items.length) : definition.response_schema
  ) as JSONSchema7;
  const itemIndexes = items.map((item) => item.itemIndex);
  const failAll = (error: AnalysisError, turnRunId: string | null, latencyMs: number, attempts: number) => ({
    kind: 'outcomes' as const,
    outcomes: items.map((item) => ({
      itemIndex: item.itemIndex,
      status: 'failed' as const,
      error,
      attempts,
      turnRunId,
      inputTokens: 0,
      outputTokens: 0,
      costEstimate: null,
      latencyMs,
    })),
  });

  for (let attempt = 1; ; attempt++) {
    let turnRunId: string | null = null;
    const started = performance.now();
    try {
      const summary = await turns.run(
        {
          principal: request.principal,
          agentId: snapshot.agent.id,
          // Pinned: the run is reproducible whatever the agent became since its snapshot.
          agentVersion: snapshot.agent.version,
          trigger: 'analysis',
          message,
          responseSchema,
          temperature: snapshot.options.temperature,
          maxOutputTokens: snapshot.options.max_output_tokens,
          metadata: {
            analysis_run_id: request.runId,
            item_indexes: itemIndexes,
            assignment_id: snapshot.assignment_id,
            task_definition_id: definition.id,
            task_definition_version: definition.version,
          },
        },
        {
          signal,
          onRunStarted: (id) => {
            turnRunId = id;
          },
        },
      );
      const answer = summary.structured_output ?? {};
      const outputs: ItemOutput[] = batched
        ? batchOutputs(answer, definition.response_schema, items.length)
        : [{ ok: true, value: answer }];
      const inputTokens = splitUsage(summary.usage.input_tokens, items.length);
      const outputTokens = splitUsage(summary.usage.output_tokens, items.length);
      const cost = summary.cost_estimate === null ? null : summary.cost_estimate / items.length;
      return {
        kind: 'outcomes',
        outcomes: items.map((item, index) => {
          const output = outputs[index] as ItemOutput;
          return {
            itemIndex: item.itemIndex,
            status: output.ok ? 'completed' : 'failed',
            ...(output.ok ? { output: output.value } : { error: schemaFailure(output.problems) }),
            attempts: attempt,
            turnRunId: summary.run_id,
            inputTokens: inputTokens[index] ?? 0,
            outputTokens: outputTokens[index] ?? 0,
            costEstimate: cost,
            latencyMs: summary.execution_time_ms,
          };
        }),
      };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      if (signal.aborted || (error instanceof AppError && STOP_CODES.has(error.code)))
        return { kind: 'stopped' };
      if (error instanceof StructuredOutputError) {
        const problems = (error.details?.problems as string[] | undefined) ?? [];
        return failAll(schemaFailure(problems, error.answer), turnRunId, latencyMs, attempt);
      }
      if (!(error instanceof AppError)) throw error;
      if (RETRYABLE_STATUSES.has(error.status) && attempt < MAX_TURN_ATTEMPTS) {
        const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
        const hinted = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
        await wait(Math.min(RETRY_MAX_MS, Math.max(backoff, hinted)), signal);
        if (signal.aborted) return { kind: 'stopped' };
        continue;
      }
      const failure = { code: error.code, message: error.message };
      if (RUN_LEVEL_CODES.has(error.code)) return { kind: 'fatal', error: failure };
      return failAll(failure, turnRunId, latencyMs, attempt);
    }
  }
}
