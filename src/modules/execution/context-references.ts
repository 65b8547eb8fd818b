import { type ActionLog, createActionLog } from '../runs/index.ts';
import type { ContextReference } from './context-pipeline.ts';

/**
 * A run's action log, opened with what its context quotes (the knowledge chunks a source chose,
 * each with its file and position) as a `context_retrieval` action, so that the run records which
 * passages the model was given.
 */
export function actionLogWithReferences(references: readonly ContextReference[]): ActionLog {
  const actions = createActionLog();
  if (references.length === 0) return actions;
  const sources = [...new Set(references.map((reference) => reference.source))];
  actions.record({
    actionType: 'context_retrieval',
    actionData: { sources },
    resultData: { references: references.map((reference) => ({ ...reference })) },
    success: true,
    executionTimeMs: 0,
  });
  return actions;
}
