import { useEffect, useRef, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Fact } from '../../components/facts.tsx';
import { Loading, Page, When } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import type { Agent } from './agent-draft.ts';
import { StatusBadge } from './status-badge.tsx';
import './agents.css';

/** `/agents/:id`: the agent at a glance, and the way to everything about it. */
export default function AgentDetailPage({ params }: PageProps) {
  const id = params.id as string;
  const agent = useApi(() => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id } } })), [id]);
  if (agent.error) {
    return (
      <Page title="Agent">
        <ErrorNotice error={agent.error} />
        <Link to="/agents">Back to the agents</Link>
      </Page>
    );
  }
  if (!agent.data) return <Loading what="Loading the agent" />;
  return <AgentOverview agent={agent.data} />;
}

function AgentOverview({ agent }: { agent: Agent }) {
  const id = encodeURIComponent(agent.id);
  const links: [string, string][] = [
    ['Versions', `/agents/${id}/versions`],
    ['History', `/agents/${id}/history`],
    ['Chat', `/chat?agent=${id}`],
    ['Runs', `/runs?agent_id=${id}`],
    ['Files', `/agents/${id}/files`],
    ['Tasks', `/tasks?agent_id=${id}`],
    ['Memories', `/agents/${id}/memories`],
    ['Contexts', `/agents/${id}/contexts`],
  ];
  return (
    <Page
      title={agent.name}
      actions={
        <>
          <Link className="button primary" to={`/agents/${id}/edit`}>
            Edit
          </Link>
          <DeleteAgent agent={agent} />
        </>
      }
    >
      <nav className="agent-links" aria-label="About this agent">
        {links.map(([label, to]) => (
          <Link key={label} className="button" to={to}>
            {label}
          </Link>
        ))}
      </nav>
      <div className="card">
        <p className="agent-description">
          {agent.description ?? <span className="muted">No description</span>}
        </p>
        <dl className="agent-facts">
          <Fact term="Status">
            <StatusBadge status={agent.status} />
          </Fact>
          <Fact term="Version" testId="agent-version">
            {agent.version}
          </Fact>
          <Fact term="Kind">{agent.kind}</Fact>
          <Fact term="Model">
            {agent.model ?? 'the provider’s default'}
            {agent.provider_id ? null : <span className="muted"> (organization’s default provider)</span>}
          </Fact>
          <Fact term="Temperature">{agent.temperature}</Fact>
          <Fact term="Max tokens">{agent.max_tokens}</Fact>
          <Fact term="Runtime">
            {agent.runtime.state}, {agent.runtime.health}
          </Fact>
          <Fact term="Tags">
            {agent.tags.length ? agent.tags.join(', ') : <span className="muted">none</span>}
          </Fact>
          <Fact term="Tools">
            {agent.tools.length ? agent.tools.join(', ') : <span className="muted">none</span>}
          </Fact>
          <Fact term="Interactions">
            {agent.interaction_count} (last <When at={agent.last_interaction_at} />)
          </Fact>
          <Fact term="Created">
            <When at={agent.created_at} />
          </Fact>
          <Fact term="Updated">
            <When at={agent.updated_at} />
          </Fact>
        </dl>
      </div>
    </Page>
  );
}

/** Deleting asks first: the agent then disappears from every read. */
function DeleteAgent({ agent }: { agent: Agent }) {
  const [confirming, setConfirming] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  // The question takes the keyboard's focus, on its safe answer.
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  const remove = useAction(async () => {
    await unwrap(api.DELETE('/api/v1/agents/{id}', { params: { path: { id: agent.id } } }));
    navigate('/agents');
  });
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  return (
    <div className="agent-delete" role="alertdialog" aria-labelledby="agent-delete-question">
      <span id="agent-delete-question">Delete {agent.name}? It disappears from every list and read.</span>
      <button type="button" className="danger" disabled={remove.pending} onClick={() => void remove.run()}>
        {remove.pending ? 'Deleting…' : 'Yes, delete'}
      </button>
      <button type="button" ref={keep} onClick={() => setConfirming(false)}>
        Keep it
      </button>
      <ErrorNotice error={remove.error} />
    </div>
  );
}
