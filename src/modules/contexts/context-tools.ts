import { z } from 'zod';
import { AppError, ValidationError } from '../../platform/http/errors.ts';
import { type AgentTool, defineTool, ToolInputError, type ToolProvider } from '../execution/index.ts';
import type { AgentContextAccess } from './agent-context-access.ts';
import { contextData, contextName } from './context-schemas.ts';

/** A refusal the model can act on (a read-only share, a document too large) goes back to it as the tool's error. */
async function toModel<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) {
      const fields = error.fieldErrors.map((field) => `${field.field} ${field.message}`).join('; ');
      throw new ToolInputError(`${error.message}: ${fields}`);
    }
    if (error instanceof AppError) throw new ToolInputError(error.message);
    throw error;
  }
}

function readContextTool(access: AgentContextAccess): AgentTool {
  return defineTool({
    name: 'read_context',
    description:
      'Reads a shared context by name: one of your own, or one another agent shared with you. Returns its current version and its whole data (your instructions may show it shortened).',
    input: z.object({ name: contextName }),
    async execute({ name }, context) {
      const [found] = await access.readable(context.principal, context.agent.id, { name, limit: 1 });
      if (!found) {
        throw new ToolInputError(
          `You have no context named "${name}", and none of that name is shared with you`,
        );
      }
      return {
        name: found.context.name,
        version: found.context.currentVersion,
        access: found.access,
        owner_agent_id: found.context.agentId,
        data: found.data,
      };
    },
  });
}

function writeContextTool(access: AgentContextAccess): AgentTool {
  return defineTool({
    name: 'write_context',
    description:
      'Writes a shared context by name: `data` replaces its whole content as a new version. Writes your own context (created when you have none of that name) or one shared with you read_write; a read-only one is refused.',
    input: z.object({
      name: contextName,
      data: contextData,
      change_description: z.string().max(2_000).optional().describe('What changed and why'),
    }),
    execute: ({ name, data, change_description }, context) =>
      toModel(async () => {
        const writer = { agentId: context.agent.id, runId: context.runId };
        const written = await access.write(context.principal, writer, name, data, change_description);
        return {
          name: written.context.name,
          version: written.context.currentVersion,
          created: written.created,
        };
      }),
  });
}

/** read_context and write_context, for every agent that names them: one provider on the turn registry. */
export function contextToolProvider(access: AgentContextAccess): ToolProvider {
  const tools = [readContextTool(access), writeContextTool(access)];
  return { name: 'contexts', toolsFor: () => tools };
}
