import { SliderField } from '../../../components/fields.tsx';
import { type SectionProps, TRAITS } from '../agent-draft.ts';

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** The personality traits, 0 to 100; a new agent's untouched traits keep the server's defaults. */
export function TraitsSection({ draft, change, error, creating }: SectionProps) {
  return (
    <fieldset className="card agent-section">
      <legend>Personality traits</legend>
      <div className="grid-2">
        {TRAITS.map((trait) => {
          const path = `traits.${trait}`;
          const value = draft[path] ?? '';
          return (
            <SliderField
              key={trait}
              label={capitalized(trait)}
              name={path}
              error={error}
              min={0}
              max={100}
              step={1}
              // An unset trait sits mid-scale until moved; the hint says the server decides.
              value={value === '' ? 50 : Number(value)}
              hint={creating && value === '' ? 'Not set: the server’s default' : undefined}
              onValue={(next) => change(path, String(next))}
            />
          );
        })}
      </div>
    </fieldset>
  );
}
