import { SelectField, TextField } from '../../../components/fields.tsx';
import { bind, defaultHint, type SectionProps } from '../agent-draft.ts';

export interface ProviderChoice {
  id: string;
  name: string;
  type: string;
  models: { id: string; name?: string }[];
}

/** The model: provider (the organization's or the operator's), model, sampling and its fallback. */
export function ModelSection(props: SectionProps & { providers: ProviderChoice[] }) {
  const { providers, creating, draft } = props;
  const options = [
    { value: '', label: 'Organization default' },
    ...providers.map((provider) => ({ value: provider.id, label: `${provider.name} (${provider.type})` })),
  ];
  const listed = providers.find((provider) => provider.id === draft.provider_id)?.models ?? [];
  return (
    <fieldset className="card agent-section">
      <legend>Model</legend>
      <div className="grid-2">
        <SelectField label="Provider" options={options} {...bind(props, 'provider_id')} />
        <TextField
          label="Model"
          list="agent-model-choices"
          placeholder="The provider’s default model"
          {...bind(props, 'model')}
        />
        <TextField
          label="Temperature"
          type="number"
          step="0.1"
          hint="0 to 2"
          placeholder={defaultHint(creating)}
          {...bind(props, 'temperature')}
        />
        <TextField
          label="Max tokens"
          type="number"
          step="1"
          placeholder={defaultHint(creating)}
          {...bind(props, 'max_tokens')}
        />
        <SelectField label="Fallback provider" options={options} {...bind(props, 'fallback_provider_id')} />
        <TextField label="Fallback model" {...bind(props, 'fallback_model')} />
      </div>
      <datalist id="agent-model-choices">
        {listed.map((model) => (
          <option key={model.id} value={model.id}>
            {model.name ?? model.id}
          </option>
        ))}
      </datalist>
    </fieldset>
  );
}
