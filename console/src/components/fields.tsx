import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';
import type { ApiError } from '../api/api-error.ts';

interface FieldFrame {
  label: string;
  /** The API's dotted field path (`traits.empathy`): its validation error is shown under the field. */
  name: string;
  error?: ApiError | null;
  hint?: ReactNode;
}

/** What a field's control carries: its id for the label, its name, and its error or hint. */
interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

function Frame({
  label,
  name,
  error,
  hint,
  children,
}: FieldFrame & { children: (control: ControlProps) => ReactNode }) {
  const id = useId();
  const message = error?.fieldMessage(name);
  const describedBy = message ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${message ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': Boolean(message), 'aria-describedby': describedBy })}
      {hint && !message ? (
        <small id={`${id}-hint`} className="field-hint">
          {hint}
        </small>
      ) : null}
      {message ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  name,
  error,
  hint,
  ...input
}: FieldFrame & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Frame label={label} name={name} error={error} hint={hint}>
      {(control) => <input {...control} {...input} />}
    </Frame>
  );
}

export function TextArea({
  label,
  name,
  error,
  hint,
  ...input
}: FieldFrame & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Frame label={label} name={name} error={error} hint={hint}>
      {(control) => <textarea {...control} {...input} />}
    </Frame>
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  options,
  ...select
}: FieldFrame & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  return (
    <Frame label={label} name={name} error={error} hint={hint}>
      {(control) => (
        <select {...control} {...select}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Frame>
  );
}

/** A number on a range (a trait from 0 to 100) with its value shown beside the slider, as precise as its step. */
export function SliderField({
  label,
  name,
  error,
  hint,
  value,
  onValue,
  min = 0,
  max = 1,
  step = 0.05,
}: FieldFrame & {
  value: number;
  onValue: (value: number) => void;
  min?: number;
  max?: number;
  step?: number;
}) {
  return (
    <Frame label={label} name={name} error={error} hint={hint}>
      {({ id, name: controlName, 'aria-describedby': described }) => (
        <div className="slider">
          <input
            id={id}
            name={controlName}
            type="range"
            min={min}
            max={max}
            step={step}
            value={value}
            aria-describedby={described}
            onChange={(event) => onValue(Number(event.target.value))}
          />
          <output htmlFor={id}>{value.toFixed(decimalsOf(step))}</output>
        </div>
      )}
    </Frame>
  );
}

export function CheckboxField({
  label,
  name,
  checked,
  onChecked,
}: {
  label: string;
  name: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
}) {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(event) => onChecked(event.target.checked)}
      />
      {label}
    </label>
  );
}

const decimalsOf = (step: number) => (Number.isInteger(step) ? 0 : (String(step).split('.')[1]?.length ?? 2));
