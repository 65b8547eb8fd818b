import { SelectField, TextArea, TextField } from '../../../components/fields.tsx';
import { bind, defaultHint, type SectionProps } from '../agent-draft.ts';
import { choices, YES_NO, YES_NO_LABELS } from './choices.ts';

const LENGTHS = ['brief', 'moderate', 'detailed'] as const;

/** How the agent speaks: its prompt, role, tone, style, greeting and suggestions. */
export function BehaviourSection(props: SectionProps) {
  const { creating } = props;
  return (
    <fieldset className="card agent-section">
      <legend>Behaviour</legend>
      <TextArea label="System prompt" rows={6} {...bind(props, 'prompt')} />
      <div className="grid-2">
        <TextField label="Role" {...bind(props, 'role')} />
        <TextField label="Tone" {...bind(props, 'tone')} />
        <TextField
          label="Communication style"
          placeholder={defaultHint(creating)}
          {...bind(props, 'communication_style')}
        />
        <SelectField
          label="Response length"
          options={choices(creating, LENGTHS)}
          {...bind(props, 'response_length')}
        />
        <SelectField
          label="Streaming replies"
          options={choices(creating, YES_NO, YES_NO_LABELS)}
          {...bind(props, 'use_streaming')}
        />
        <SelectField
          label="Suggestions after each message"
          options={choices(creating, YES_NO, YES_NO_LABELS)}
          {...bind(props, 'show_suggestions_after_each_message')}
        />
      </div>
      <TextArea label="Suggestions prompt" rows={2} {...bind(props, 'suggestions_prompt')} />
      <TextArea label="First message of a session" rows={2} {...bind(props, 'initial_ai_msg')} />
      <TextArea label="Initial context" rows={3} {...bind(props, 'initial_context')} />
    </fieldset>
  );
}
