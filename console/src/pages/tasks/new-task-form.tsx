import type { Schema } from '@agentry/client';
import type { FormEvent } from 'react';
import { ApiError } from '../../api/api-error.ts';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/fields.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import type { Task } from './task-parts.tsx';

type CreateBody = Schema<'AgentTaskCreateInput'>;

/** Task data that is not a JSON object, refused before sending: the body could not carry it. */
const notAnObject = () =>
  new ApiError(
    422,
    {
      message: 'Task data must be a JSON object',
      code: 'invalid_task_data',
      validation_errors: [
        { field: 'task_data', message: 'Write a JSON object, e.g. {"message": "…"}', value: null },
      ],
    },
    null,
  );

/** Creates a task for an agent with the fields of POST /agents/{id}/tasks; the API validates them. */
export function NewTaskForm({
  agents,
  defaultAgentId,
  onCreated,
}: {
  agents: { id: string; name: string }[];
  defaultAgentId: string;
  onCreated: (task: Task) => void;
}) {
  const [form, setForm, set] = useFormFields({
    agent_id: defaultAgentId || (agents[0]?.id ?? ''),
    task_type: '',
    task_data: '{\n  "message": ""\n}',
    priority: '5',
    max_attempts: '',
    scheduled_at: '',
    idempotency_key: '',
    queue: true,
  });
  const submit = useAction(async () => {
    let taskData: unknown;
    try {
      taskData = form.task_data.trim() ? JSON.parse(form.task_data) : {};
    } catch {
      throw notAnObject();
    }
    if (!taskData || typeof taskData !== 'object' || Array.isArray(taskData)) throw notAnObject();
    const body: CreateBody = { task_type: form.task_type, task_data: taskData as CreateBody['task_data'] };
    if (form.priority) body.priority = Number(form.priority);
    if (form.max_attempts) body.max_attempts = Number(form.max_attempts);
    if (form.scheduled_at) body.scheduled_at = new Date(form.scheduled_at).toISOString();
    if (form.idempotency_key) body.idempotency_key = form.idempotency_key;
    body.queue = form.queue;
    const task = await unwrap(
      api.POST('/api/v1/agents/{id}/tasks', { params: { path: { id: form.agent_id } }, body }),
    );
    onCreated(task);
    setForm((previous) => ({ ...previous, task_type: '', idempotency_key: '' }));
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  const error = submit.error;
  return (
    <form className="card new-task" onSubmit={onSubmit} aria-label="New task" noValidate>
      <h2>New task</h2>
      <ErrorNotice error={error} />
      <div className="grid-2">
        <SelectField
          label="Agent"
          name="agent_id"
          value={form.agent_id}
          onChange={set('agent_id')}
          options={[
            { value: '', label: 'Choose an agent' },
            ...agents.map((a) => ({ value: a.id, label: a.name })),
          ]}
          error={error}
        />
        <TextField
          label="Task type"
          name="task_type"
          value={form.task_type}
          onChange={set('task_type')}
          error={error}
          hint="Letters, digits, _ . - (e.g. customer_inquiry); a task definition’s name gives structured output"
        />
        <TextField
          label="Priority"
          name="priority"
          type="number"
          value={form.priority}
          onChange={set('priority')}
          error={error}
          hint="1 is the most urgent, 10 the least"
        />
        <TextField
          label="Max attempts"
          name="max_attempts"
          type="number"
          value={form.max_attempts}
          onChange={set('max_attempts')}
          error={error}
          hint="3 when empty"
        />
        <TextField
          label="Scheduled at"
          name="scheduled_at"
          type="datetime-local"
          value={form.scheduled_at}
          onChange={set('scheduled_at')}
          error={error}
          hint="Not before this time (your local time); empty: as soon as queued"
        />
        <TextField
          label="Idempotency key"
          name="idempotency_key"
          value={form.idempotency_key}
          onChange={set('idempotency_key')}
          error={error}
          hint="Optional: the same key answers the task it created"
        />
      </div>
      <TextArea
        label="Task data (JSON)"
        name="task_data"
        value={form.task_data}
        onChange={set('task_data')}
        error={error}
        hint="The model sees it; task_data.message is its request"
        spellCheck={false}
      />
      <CheckboxField
        label="Queue it at once"
        name="queue"
        checked={form.queue}
        onChecked={(queue) => setForm((previous) => ({ ...previous, queue }))}
      />
      <button type="submit" className="primary" disabled={submit.pending}>
        Create task
      </button>
    </form>
  );
}
