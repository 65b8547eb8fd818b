import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { type ActionType, agentActions } from './run-tables.ts';

/** A step of a task outside its runs (received, queued, started, reply sent, dead-lettered, ...). */
export interface TaskStep {
  organizationId: string;
  agentId: string;
  taskId: string;
  /** The attempt's run, when the step belongs to one. */
  runId?: string | null;
  actionType: ActionType;
  actionData: Record<string, unknown>;
  resultData?: Record<string, unknown>;
  success: boolean;
  executionTimeMs?: number;
}

/** Records task steps as agent actions, in the caller's transaction, in the order given. */
export async function recordTaskSteps(tx: Executor, steps: readonly TaskStep[]): Promise<void> {
  if (steps.length === 0) return;
  const at = new Date();
  await tx.insert(agentActions).values(
    steps.map((step) => ({
      id: uuidv7(),
      organizationId: step.organizationId,
      agentId: step.agentId,
      runId: step.runId ?? null,
      taskId: step.taskId,
      sequence: 1,
      actionType: step.actionType,
      actionData: step.actionData,
      resultData: step.resultData ?? {},
      success: step.success,
      executionTimeMs: Math.round(step.executionTimeMs ?? 0),
      createdAt: at,
    })),
  );
}
