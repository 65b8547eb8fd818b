import { SelectField, TextField } from '../../../components/fields.tsx';
import { bind, defaultHint, type SectionProps } from '../agent-draft.ts';
import { choices, YES_NO, YES_NO_LABELS } from './choices.ts';

const NUMBERS: [path: string, label: string, step: string, hint?: string][] = [
  ['max_iterations', 'Max tool iterations', '1', '1 to 50'],
  ['timeout_seconds', 'Timeout (seconds)', '1', 'Empty: none'],
  ['max_context_size', 'Max context size (tokens)', '1'],
  ['memory_retention', 'Memory retention (days)', '1', '0: until deleted'],
  ['memory.k', 'Memories recalled (k)', '1'],
  ['memory.thread_window', 'Thread window', '1'],
  ['memory.alpha_recency', 'Recency weight', '0.05'],
  ['memory.alpha_semantic', 'Semantic weight', '0.05'],
  ['memory.alpha_reinforcement', 'Reinforcement weight', '0.05'],
  ['resource_limits.max_concurrent_turns', 'Max concurrent turns', '1', 'Empty: no limit'],
  ['resource_limits.max_tokens_per_day', 'Max tokens per day', '1', 'Empty: no limit'],
];

/** How turns run: iterations, timeout, context, memory and the agent's own limits. */
export function ProcessingSection(props: SectionProps) {
  const { creating } = props;
  return (
    <fieldset className="card agent-section">
      <legend>Processing and memory</legend>
      <div className="grid-2">
        <SelectField
          label="Use memory context"
          options={choices(creating, YES_NO, YES_NO_LABELS)}
          {...bind(props, 'use_memory_context')}
        />
        {NUMBERS.map(([path, label, step, hint]) => (
          <TextField
            key={path}
            label={label}
            type="number"
            step={step}
            hint={hint}
            placeholder={defaultHint(creating)}
            {...bind(props, path)}
          />
        ))}
      </div>
    </fieldset>
  );
}
