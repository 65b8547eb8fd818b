import type { Schema } from '@agentry/client';
import { formatDuration, formatTokens } from './run-format.ts';

type Step = Schema<'AgentAction'>;

const KIND_LABELS: Record<string, string> = {
  llm_call: 'LLM call',
  tool_call: 'Tool call',
  chat_response: 'Chat response',
  context_retrieval: 'Context retrieval',
};
const kindLabel = (kind: string) => KIND_LABELS[kind] ?? kind.replaceAll('_', ' ');

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A step's headline facts by kind; the full data stays available under "Details". */
function summary(step: Step): string[] {
  const data = record(step.action_data);
  const result = record(step.result_data);
  const facts: string[] = [];
  if (step.action_type === 'llm_call') {
    if (data.model) facts.push(`model ${String(data.model)}`);
    if (data.provider_name) facts.push(`via ${String(data.provider_name)}`);
    const usage = record(result.usage);
    if (typeof usage.input_tokens === 'number')
      facts.push(`${formatTokens(usage.input_tokens)} in / ${formatTokens(Number(usage.output_tokens))} out`);
    if (result.finish_reason) facts.push(`finish: ${String(result.finish_reason)}`);
  } else if (step.action_type === 'tool_call') {
    if (data.tool) facts.push(`tool ${String(data.tool)}`);
  } else if (step.action_type === 'chat_response') {
    if (typeof data.steps === 'number') facts.push(`${data.steps} model steps`);
    if (typeof result.tool_calls === 'number') facts.push(`${result.tool_calls} tool calls`);
  }
  return facts;
}

/**
 * The run's steps in their order, each placed on the run's time axis: a step is recorded when it
 * ends (`created_at`) and took `execution_time_ms`, so it started that long before.
 */
export function RunTimeline({
  steps,
  startedAt,
  durationMs,
}: {
  steps: Step[];
  startedAt: string;
  durationMs: number | null;
}) {
  const start = new Date(startedAt).getTime();
  const ordered = [...steps].sort((a, b) => a.sequence - b.sequence);
  const ends = ordered.map((step) => new Date(step.created_at).getTime() - start);
  const span = Math.max(durationMs ?? 0, ...ends, 1);
  return (
    <ol className="run-timeline" aria-label="Steps">
      {ordered.map((step, index) => {
        const end = Math.max(0, ends[index] ?? 0);
        const begin = Math.max(0, end - step.execution_time_ms);
        return (
          <li key={step.id} className={`run-step${step.success ? '' : ' run-step-failed'}`}>
            <div className="run-step-head">
              <span className="run-step-sequence">{step.sequence}</span>
              <strong className="run-step-kind">{kindLabel(step.action_type)}</strong>
              <span className={step.success ? 'badge ok' : 'badge bad'}>
                {step.success ? 'ok' : 'failed'}
              </span>
              <span className="muted">
                +{formatDuration(begin)} · took {formatDuration(step.execution_time_ms)}
              </span>
            </div>
            <div className="run-step-track" aria-hidden="true">
              <div
                className="run-step-bar"
                style={{
                  left: `${(begin / span) * 100}%`,
                  width: `${Math.max(0.5, ((end - begin) / span) * 100)}%`,
                }}
              />
            </div>
            {summary(step).length > 0 ? <p className="run-step-facts">{summary(step).join(' · ')}</p> : null}
            <details>
              <summary>Details</summary>
              <div className="grid-2">
                <div>
                  <h4>Input</h4>
                  <pre>{JSON.stringify(step.action_data, null, 2)}</pre>
                </div>
                <div>
                  <h4>Result</h4>
                  <pre>{JSON.stringify(step.result_data, null, 2)}</pre>
                </div>
              </div>
            </details>
          </li>
        );
      })}
    </ol>
  );
}
