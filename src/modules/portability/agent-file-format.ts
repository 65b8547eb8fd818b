import { z } from 'zod';
import { timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { contextName } from '../contexts/index.ts';

/** What an agent file says it is; a file naming another format is refused before anything else. */
export const AGENT_FILE_FORMAT = 'agentry.agent';
/** The one version of the format this Agentry writes and reads; a change of meaning takes a new one. */
export const AGENT_FILE_FORMAT_VERSION = 1;
/** The most file content (decoded) one agent file carries: its base64 fits the import's body limit. */
export const AGENT_FILE_MAX_FILE_BYTES = 25 * 1024 * 1024;
/** The import's body limit (the API's default is 1 MB): 25 MB of files in base64, and the rest. */
export const AGENT_FILE_BODY_LIMIT = 40 * 1024 * 1024;

const providerReference = z
  .object({ name: z.string().min(1).max(255), type: z.string().min(1).max(50) })
  .strict()
  .nullable()
  .describe(
    'The provider by name and type (never its id): the importing organization’s is found by name, else by type',
  );

/** Checked as an agent write checks it, by the agents module: its fields are named in 422s. */
const configuration = z
  .record(z.string(), z.unknown())
  .describe(
    'The configuration as GET /agents/{id}/configuration returns it, provider_id and fallback_provider_id null',
  );

const versionEntry = z
  .object({
    version: z.number().int().min(1),
    configuration,
    provider: providerReference,
    fallback_provider: providerReference,
    change_type: z.string().max(50),
    change_reason: z.string().max(2_000).nullable(),
    created_at: timestamp.describe('When the source made this version (the import makes it anew)'),
  })
  .strict();

const toolReference = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum(['builtin', 'http', 'mcp', 'unknown']),
    description: z.string().max(10_000).optional(),
    input_schema: z.record(z.string(), z.unknown()).optional(),
    http: z
      .object({
        method: z.string().max(10),
        url_template: z.string().max(2_048),
        headers: z.record(z.string(), z.string()),
        secret_header_names: z
          .array(z.string())
          .describe('Their values are never exported: set them when recreating the tool'),
        body_template: z.string().nullable(),
        timeout_seconds: z.number().nullable(),
        max_response_bytes: z.number().int(),
      })
      .strict()
      .optional()
      .describe('An HTTP tool’s request, to recreate it with'),
    mcp_server: z.string().max(64).nullable().optional().describe('An MCP tool’s server, by name'),
    mcp_tool_name: z.string().max(255).nullable().optional(),
  })
  .strict();

const fileEntry = z
  .object({
    filename: z.string().min(1).max(255),
    mime_type: z.string().max(255),
    size_bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    purpose: z.string().max(64),
    order_index: z.number().int().min(0),
    content_base64: z.base64().describe('The file’s bytes'),
  })
  .strict();

const example = {
  format: AGENT_FILE_FORMAT,
  format_version: AGENT_FILE_FORMAT_VERSION,
  exported_at: exampleTimes.agentUpdated,
  agentry_version: '0.1.0',
  source: { agent_id: exampleIds.agent, agent_name: 'Support Agent', version: 2 },
  agent: {
    status: 'active',
    configuration: {
      name: 'Support Agent',
      agent_version: '1.0.0',
      prompt: 'You are the support agent of Acme Cloud.',
      temperature: 0.3,
      provider_id: null,
      fallback_provider_id: null,
      model: 'llama3.1:8b',
      tools: ['current_time', 'order_lookup'],
    },
    provider: { name: 'Local Ollama', type: 'ollama' },
    fallback_provider: null,
  },
  contexts: [{ name: 'handover', data: { next_step: 'confirm the refund' } }],
  tools: [
    { name: 'current_time', kind: 'builtin' },
    {
      name: 'order_lookup',
      kind: 'http',
      description: 'An order by its number',
      input_schema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
      http: {
        method: 'GET',
        url_template: 'https://api.example.com/orders/{{order}}',
        headers: { Accept: 'application/json' },
        secret_header_names: ['Authorization'],
        body_template: null,
        timeout_seconds: null,
        max_response_bytes: 65_536,
      },
    },
  ],
};

/**
 * An agent file (docs/agent-export.md): an agent's configuration and what it reads, without ids
 * that only mean something in its organization and without secrets. `format_version` is checked
 * by the import, so that a newer file gets a message rather than a schema error.
 */
export const agentFileObject = z
  .object({
    format: z.string().max(64).describe(`Always ${AGENT_FILE_FORMAT}`),
    format_version: z.number().int().describe(`${AGENT_FILE_FORMAT_VERSION}: the version this Agentry reads`),
    exported_at: timestamp,
    agentry_version: z.string().max(64),
    source: z
      .object({ agent_id: z.uuid(), agent_name: z.string().max(255), version: z.number().int().min(1) })
      .strict()
      .describe('The exported agent, for the record: the import gives everything new ids'),
    agent: z
      .object({
        status: z.enum(['active', 'inactive']),
        configuration,
        provider: providerReference,
        fallback_provider: providerReference,
      })
      .strict(),
    versions: z
      .array(versionEntry)
      .min(1)
      .max(10_000)
      .optional()
      .describe('Every configuration version, oldest first (export with include_versions=true)'),
    contexts: z
      .array(z.object({ name: contextName, data: z.record(z.string(), z.unknown()) }).strict())
      .max(1_000)
      .describe('The agent’s own shared contexts, at their current version'),
    tools: z.array(toolReference).max(100).describe('What the tools the configuration names are'),
    files: z
      .array(fileEntry)
      .max(1_000)
      .optional()
      .describe('The attached knowledge files, in reading order (export with include_files=true)'),
  })
  .strict();
export const agentFileSchema = agentFileObject.meta({ id: 'AgentExport', example });

export type AgentFile = z.infer<typeof agentFileSchema>;
export type AgentFileVersion = z.infer<typeof versionEntry>;
export type AgentFileEntry = z.infer<typeof fileEntry>;
export const agentFileExample = example;
