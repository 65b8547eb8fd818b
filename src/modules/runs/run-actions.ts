import type { ActionType, RunUsage } from './run-tables.ts';

export const emptyUsage = (): RunUsage => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });

/** A step of a run, recorded in memory while the turn runs and stored with the run's end. */
export interface RecordedAction {
  actionType: ActionType;
  actionData: Record<string, unknown>;
  resultData: Record<string, unknown>;
  success: boolean;
  executionTimeMs: number;
  at: Date;
}

/** Collects a run's actions in the order they happen. */
export function createActionLog() {
  const actions: RecordedAction[] = [];
  return {
    record(action: Omit<RecordedAction, 'at'> & { at?: Date }) {
      actions.push({ ...action, at: action.at ?? new Date() });
    },
    all: (): readonly RecordedAction[] => actions,
  };
}
export type ActionLog = ReturnType<typeof createActionLog>;
