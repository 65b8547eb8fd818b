import { type FormEvent, useCallback, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextField } from '../../components/fields.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import {
  type Agent,
  changesBody,
  createBody,
  type Draft,
  draftFromAgent,
  emptyDraft,
} from './agent-draft.ts';
import { FieldErrorSummary } from './field-error-summary.tsx';
import { BehaviourSection } from './sections/behaviour-section.tsx';
import { IdentitySection } from './sections/identity-section.tsx';
import { ModelSection } from './sections/model-section.tsx';
import { ProcessingSection } from './sections/processing-section.tsx';
import { ToolsSection } from './sections/tools-section.tsx';
import { TraitsSection } from './sections/traits-section.tsx';
import './agents.css';

/** `/agents/new` and `/agents/:id/edit`: the configuration, section by section. */
export default function AgentFormPage({ params }: PageProps) {
  const id = params.id;
  const agent = useApi(
    async () => (id ? unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id } } })) : null),
    [id],
  );
  if (agent.error) {
    return (
      <Page title="Edit agent">
        <ErrorNotice error={agent.error} />
      </Page>
    );
  }
  if (agent.data === undefined) return <Loading what="Loading the agent" />;
  return <AgentForm key={agent.data?.version ?? 'new'} agent={agent.data} />;
}

function useChoices() {
  const providers = useApi(
    () => unwrap(api.GET('/api/v1/providers', { params: { query: { limit: 200 } } })),
    [],
  );
  const kinds = useApi(
    () => unwrap(api.GET('/api/v1/agent-definitions', { params: { query: { enabled_only: 'true' } } })),
    [],
  );
  const tools = useApi(
    () => unwrap(api.GET('/api/v1/tools', { params: { query: { enabled: 'true', limit: 200 } } })),
    [],
  );
  return {
    providers: providers.data ?? [],
    kinds: kinds.data ?? [],
    tools: tools.data ?? [],
    error: providers.error ?? kinds.error ?? tools.error,
  };
}

function AgentForm({ agent }: { agent: Agent | null }) {
  const creating = agent === null;
  const original = agent ? draftFromAgent(agent) : emptyDraft();
  const [draft, setDraft] = useState<Draft>(original);
  const [changeReason, setChangeReason] = useState('');
  const [warnings, setWarnings] = useState<{ saved: Agent; messages: string[] } | null>(null);
  const choices = useChoices();
  const change = useCallback((path: string, value: string) => {
    setDraft((previous) => ({ ...previous, [path]: value }));
  }, []);

  const save = useAction(async () => {
    if (agent === null) {
      return unwrap(api.POST('/api/v1/agents', { body: createBody(draft) }));
    }
    const body = changesBody(draft, original);
    if (changeReason.trim()) body.change_reason = changeReason.trim();
    // If-Match: a change made meanwhile by someone else is refused (409) rather than overwritten.
    return unwrap(
      api.PATCH('/api/v1/agents/{id}', {
        params: { path: { id: agent.id }, header: { 'if-match': `"${agent.version}"` } },
        body,
      }),
    );
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await save.run();
    if (!saved) return;
    const messages = saved.warnings.map((warning) => `${warning.field}: ${warning.message}`);
    if (messages.length > 0) setWarnings({ saved, messages });
    else navigate(`/agents/${saved.id}`);
  };

  const title = creating ? 'New agent' : `Edit ${agent.name}`;
  const sectionProps = { draft, change, error: save.error, creating };
  return (
    <Page title={title}>
      <form className="agent-form" onSubmit={submit} noValidate>
        <ErrorNotice error={choices.error} />
        <IdentitySection {...sectionProps} kinds={choices.kinds} />
        <TraitsSection {...sectionProps} />
        <ModelSection {...sectionProps} providers={choices.providers} />
        <BehaviourSection {...sectionProps} />
        <ProcessingSection {...sectionProps} />
        <ToolsSection {...sectionProps} tools={choices.tools} />
        {creating ? null : (
          <TextField
            label="Change reason"
            name="change_reason"
            error={save.error}
            hint="Recorded in the agent’s history"
            value={changeReason}
            onChange={(event) => setChangeReason(event.target.value)}
          />
        )}
        <div aria-live="polite">
          <ErrorNotice error={save.error} />
          <FieldErrorSummary error={save.error} />
          {warnings ? (
            <div className="card agent-warnings" role="status">
              <strong>Saved, with warnings:</strong>
              <ul>
                {warnings.messages.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
              <Link to={`/agents/${warnings.saved.id}`}>Open the agent</Link>
            </div>
          ) : null}
        </div>
        <div className="agent-form-actions">
          <button type="submit" className="primary" disabled={save.pending}>
            {save.pending ? 'Saving…' : creating ? 'Create agent' : 'Save changes'}
          </button>
          <Link className="button" to={creating ? '/agents' : `/agents/${agent.id}`}>
            Cancel
          </Link>
        </div>
      </form>
    </Page>
  );
}
