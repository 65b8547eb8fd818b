import type { AgentView } from '../agents/index.ts';
import type { TurnEngine, TurnEvent } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { bounded, type CatalogTool, type ProgressReporter } from './catalog-tool.ts';
import { type AskResult, askArguments, askInputSchema, askOutputSchema } from './mcp-endpoint-schemas.ts';
import { parseArguments } from './tool-results.ts';

/** What an `ask_<agent>` tool shows of its agent. */
export type AskableAgent = Pick<AgentView, 'id' | 'name' | 'description' | 'role' | 'identity'>;

/** While the answer streams in, progress is reported at most this often. */
const TEXT_PROGRESS_INTERVAL_MS = 5_000;

/** A description written as a fragment still reads as a sentence before the next one. */
const asSentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

function describeAgent(agent: AskableAgent): string {
  const about = [agent.description, agent.identity.short_description, agent.role]
    .map((text) => text?.trim())
    .find(Boolean);
  return bounded(
    [
      `Ask the agent “${agent.name}”; it answers with its own instructions, knowledge and tools.`,
      about && asSentence(about),
      'Pass the session_id of an earlier answer to continue that conversation.',
    ]
      .filter(Boolean)
      .join(' '),
  );
}

/**
 * The turn's events as progress: its start, each tool it calls, and its answer as it is written
 * (at most every few seconds). Clients that reset their request timeout on progress then wait for
 * turns longer than their timeout.
 */
function progressOf(report: ProgressReporter) {
  let lastTextReport = 0;
  return (event: TurnEvent) => {
    if (event.type === 'run-started') report(`Run ${event.run_id} started`);
    else if (event.type === 'tool-call') report(`Calling the tool ${event.name}`);
    else if (event.type === 'text-delta' && Date.now() - lastTextReport >= TEXT_PROGRESS_INTERVAL_MS) {
      lastTextReport = Date.now();
      report('Writing the answer');
    }
  };
}

/**
 * `ask_<agent>`: one turn of the agent (trigger `mcp`) in a session: the one `session_id` names
 * (of this agent, else the call fails), or a new one. The answer comes back as text and as
 * structured content with the session and the run.
 */
export function askAgentTool(
  principal: Principal,
  agent: AskableAgent,
  name: string,
  turns: Pick<TurnEngine, 'run'>,
): CatalogTool {
  return {
    tool: {
      name,
      title: agent.name,
      description: describeAgent(agent),
      inputSchema: askInputSchema,
      outputSchema: askOutputSchema,
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    async call(given, { signal, progress }) {
      const { message, session_id } = parseArguments(askArguments, given);
      const summary = await turns.run(
        {
          principal,
          agentId: agent.id,
          trigger: 'mcp',
          message,
          conversation: { sessionId: session_id },
        },
        { signal, onEvent: progress ? progressOf(progress) : undefined },
      );
      const answer: AskResult = {
        answer: summary.content,
        // A turn in a conversation always has its session.
        session_id: summary.session_id as string,
        run_id: summary.run_id,
      };
      return { content: [{ type: 'text', text: answer.answer }], structuredContent: answer };
    },
  };
}
