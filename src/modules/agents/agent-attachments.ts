import type { Database, Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { type ChangeContext, historyRecord } from './agent-records.ts';
import * as repository from './agent-repository.ts';

/** What a module's change to what an agent reads (its files) did, for the agent's history and events. */
export interface AttachmentChange<T> {
  result: T;
  /** Recorded as one history row at the agent's current version (seed 000: file_attached, file_detached). */
  history: { changeType: string; field: string; oldValue: unknown; newValue: unknown };
  /** Published to the organization when the change commits. */
  event: { type: string; data: Record<string, unknown> };
}

/**
 * Changes other modules make to what an agent reads without changing its configuration (knowledge
 * files): under the agent's row lock, so that limits such as the number of files hold under
 * concurrent requests, with a history row and an event that commit together with the change.
 */
export function createAgentAttachments({
  db,
  events,
  lockAgent,
}: {
  db: Database;
  events: Pick<EventPublisher, 'publish'>;
  /** The agent locked for the rest of the transaction (403/404 as reads answer). */
  lockAgent: (tx: Executor, context: ChangeContext, agentId: string) => Promise<repository.AgentRow>;
}) {
  return {
    async change<T>(
      agentId: string,
      context: ChangeContext,
      apply: (tx: Executor, agent: { id: string; version: number }) => Promise<AttachmentChange<T>>,
    ): Promise<T> {
      return db.transaction(async (tx) => {
        const agent = await lockAgent(tx, context, agentId);
        const { result, history, event } = await apply(tx, { id: agent.id, version: agent.version });
        const at = new Date();
        await repository.writeChange(tx, context.principal, {
          agentId: agent.id,
          version: null,
          history: [historyRecord(agent, context, at, { ...history, version: agent.version })],
          agent: { updatedAt: at },
        });
        await events.publish(
          {
            type: event.type,
            organization_id: agent.organizationId,
            data: { agent_id: agent.id, ...event.data },
          },
          { tx },
        );
        return result;
      });
    },
  };
}

export type AgentAttachments = ReturnType<typeof createAgentAttachments>;
