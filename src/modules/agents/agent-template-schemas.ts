import { z } from 'zod';
import { agentConfigPatchSchema } from './agent-config.ts';
import { agentTemplates } from './agent-templates.ts';

const [intakeTemplate] = agentTemplates;

export const agentTemplateView = z
  .object({
    slug: z
      .string()
      .describe('The template’s name in POST /agents/templates/{name} and `agentry seed-agents`'),
    name: z.string(),
    description: z.string(),
    source: z.string().describe('Where in the seeds the configuration comes from'),
    configuration: agentConfigPatchSchema.describe(
      'What the agent is created with, over the defaults; it also gets the tag template:<slug>',
    ),
  })
  .meta({ id: 'AgentTemplate', example: intakeTemplate });

export const agentTemplateListView = z.array(agentTemplateView).meta({ example: agentTemplates });

export const templateParams = z.object({
  name: z.string().max(100).describe('A template’s slug, e.g. intake, therapy, customer-support'),
});
