import { CheckboxField } from '../../../components/fields.tsx';
import type { SectionProps } from '../agent-draft.ts';

export interface ToolChoice {
  name: string;
  description: string;
}

/** The tools the agent may call, from the organization's enabled tools. */
export function ToolsSection({ draft, change, error, tools }: SectionProps & { tools: ToolChoice[] }) {
  const chosen = (draft.tools ?? '').split(/\s*,\s*/).filter(Boolean);
  // A tool the agent names but the list lacks (disabled since) stays visible, so it can be removed.
  const names = [...new Set([...tools.map((tool) => tool.name), ...chosen])];
  const described = new Map(tools.map((tool) => [tool.name, tool.description]));
  const toggle = (name: string, on: boolean) =>
    change('tools', (on ? [...chosen, name] : chosen.filter((other) => other !== name)).join(', '));
  const message = error?.fieldMessage('tools');
  return (
    <fieldset className="card agent-section">
      <legend>Tools</legend>
      {names.length === 0 ? <p className="muted">No tools are enabled in this organization.</p> : null}
      <ul className="agent-tools">
        {names.map((name) => (
          <li key={name}>
            <CheckboxField
              label={name}
              name="tools"
              checked={chosen.includes(name)}
              onChecked={(on) => toggle(name, on)}
            />
            <small className="muted">{described.get(name) ?? 'Not enabled any more'}</small>
          </li>
        ))}
      </ul>
      {message ? (
        <small className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </fieldset>
  );
}
