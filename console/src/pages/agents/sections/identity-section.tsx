import { SelectField, TextArea, TextField } from '../../../components/fields.tsx';
import { bind, defaultHint, type SectionProps } from '../agent-draft.ts';
import { choices } from './choices.ts';

const STATUSES = ['active', 'inactive', 'archived'] as const;

/** Who the agent is: its name, description, status, kind and the identity texts of its prompt. */
export function IdentitySection(props: SectionProps & { kinds: { slug: string; name: string }[] }) {
  const { creating, kinds } = props;
  const kindLabels = Object.fromEntries(kinds.map((kind) => [kind.slug, `${kind.name} (${kind.slug})`]));
  const kindValues = kinds.map((kind) => kind.slug);
  // An agent of a kind no longer loaded keeps showing its kind.
  const current = props.draft.kind ?? '';
  if (current && !kindValues.includes(current)) kindValues.push(current);
  return (
    <fieldset className="card agent-section">
      <legend>Identity</legend>
      <div className="grid-2">
        <TextField
          label="Name"
          required={!creating}
          placeholder={defaultHint(creating)}
          {...bind(props, 'name')}
        />
        <SelectField label="Status" options={choices(creating, STATUSES)} {...bind(props, 'status')} />
        <SelectField
          label="Kind"
          options={choices(creating, kindValues, kindLabels)}
          {...bind(props, 'kind')}
        />
        <TextField label="Agent type" placeholder={defaultHint(creating)} {...bind(props, 'agent_type')} />
        <TextField label="Tags" hint="Separated by commas" {...bind(props, 'tags')} />
        <TextField
          label="Agent version label"
          placeholder={defaultHint(creating)}
          {...bind(props, 'agent_version')}
        />
      </div>
      <TextArea label="Description" rows={2} {...bind(props, 'description')} />
      <TextField label="Avatar URL" type="url" {...bind(props, 'avatar_url')} />
      <div className="grid-2">
        <TextField label="Short description" {...bind(props, 'identity.short_description')} />
        <TextField label="Character role" {...bind(props, 'identity.character_role')} />
        <TextArea label="Mission" rows={2} {...bind(props, 'identity.mission')} />
        <TextArea label="Interaction style" rows={2} {...bind(props, 'identity.interaction_style')} />
      </div>
      <TextArea label="Full description" rows={3} {...bind(props, 'identity.full_description')} />
    </fieldset>
  );
}
