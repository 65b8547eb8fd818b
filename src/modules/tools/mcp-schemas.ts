import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { circuitBreakerConfigSchema, retryConfigSchema } from '../../platform/resilience/service-policy.ts';
import { mcpAuthTypes, mcpHealthStatuses, mcpTransports } from './tool-tables.ts';

/** A server's name prefixes its tools' names (`name.tool`), so it is short and plain. */
export const MCP_SERVER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

// Headers the transport itself sets: a configured value would break the protocol or the request.
const RESERVED_HEADERS = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'mcp-session-id',
  'transfer-encoding',
]);
const MAX_HEADERS = 20;

const serverName = z
  .string()
  .regex(
    MCP_SERVER_NAME_PATTERN,
    'must start with a letter and hold at most 32 letters, digits, "_" or "-" (it prefixes the names of the server’s tools)',
  )
  .describe('Unique in the organization (any case); the prefix of its tools’ names: `<name>.<tool>`');

const hasCredentials = (value: string) => {
  const url = URL.parse(value);
  return url !== null && (url.username !== '' || url.password !== '');
};

/** An http(s) URL without user or password in it: credentials go in `authentication`. */
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2_000)
  .refine((value) => !hasCredentials(value), 'must not contain credentials: send them as authentication');

const endpoint = httpUrl.describe(
  'The server’s streamable HTTP endpoint. Must reach a public address unless the host is in the ' +
    'server’s OUTBOUND_ALLOWLIST; checked again on every connection and redirect.',
);

const secretValue = z
  .string()
  .min(1)
  .max(4_000)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid HTTP header name')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'is set by the MCP transport itself');

/**
 * Write-only: sealed at rest and never returned. `{}` (seed 004's default) is the same as none.
 * For stdio servers only `none` is accepted.
 */
export const mcpAuthentication = z
  .union([
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({
      type: z.literal('bearer'),
      token: secretValue.regex(/^\S+$/, 'must not contain spaces').describe('Sent as Authorization: Bearer'),
    }),
    z.strictObject({
      type: z.literal('headers'),
      headers: z
        .record(headerName, secretValue)
        .refine((headers) => Object.keys(headers).length > 0, 'must name at least one header')
        .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `may hold at most ${MAX_HEADERS}`)
        .describe('Sent with every request, e.g. {"X-Api-Key": "..."}'),
    }),
    z.strictObject({}),
  ])
  .describe(
    'Write-only: `{"type":"bearer","token":"…"}`, `{"type":"headers","headers":{…}}`, `{"type":"none"}` ' +
      'or `{}`. Stored encrypted, never returned; responses show only its type and header names.',
  );
export type McpAuthenticationInput = z.infer<typeof mcpAuthentication>;

const stdioCommand = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .describe(
    'stdio only: the command to run on the Agentry host. Refused (422) unless the operator lists it in ' +
      'MCP_STDIO_ALLOWED_COMMANDS.',
  );
const stdioArgs = z.array(z.string().max(2_000)).max(50).describe('stdio only: the command’s arguments');
const timeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(600)
  .describe('Bound on one tool call (and on a connection check); null keeps TOOL_CALL_TIMEOUT_SECONDS');

const configurableFields = {
  description: z.string().max(2_000).nullable().optional(),
  endpoint: endpoint.nullable().optional(),
  command: stdioCommand.nullable().optional(),
  args: stdioArgs.optional(),
  authentication: mcpAuthentication.nullable().optional(),
  health_check_url: httpUrl
    .nullable()
    .optional()
    .describe('Also checked with a GET (2xx expected) at every connection check, through the outbound guard'),
  enabled: z.boolean().optional().describe('A disabled server’s tools fail with an error; it is not checked'),
  timeout_seconds: timeoutSeconds.nullable().optional(),
  retry_config: retryConfigSchema.nullable().optional(),
  circuit_breaker_config: circuitBreakerConfigSchema.nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  capabilities: z
    .unknown()
    .optional()
    .describe('Ignored: the capabilities are discovered from the server (accepted for seed 004)'),
};

export const createMcpServerBody = z
  .strictObject({
    name: serverName,
    transport: z
      .enum(mcpTransports)
      .default('streamable_http')
      .describe(
        '`streamable_http` (needs endpoint) or `stdio` (needs command; off unless the operator allows it)',
      ),
    ...configurableFields,
  })
  .meta({
    id: 'McpServerCreate',
    example: {
      name: 'github',
      description: 'Issues and pull requests of our repositories',
      transport: 'streamable_http',
      endpoint: 'https://mcp.example.com/mcp',
      authentication: { type: 'bearer', token: 'ghp_example0123456789' },
      timeout_seconds: 20,
      circuit_breaker_config: { failure_threshold: 3, recovery_timeout: 60 },
    },
  });

export const updateMcpServerBody = z
  .strictObject({
    name: serverName.optional(),
    transport: z.enum(mcpTransports).optional(),
    ...configurableFields,
  })
  .meta({
    id: 'McpServerUpdate',
    example: {
      authentication: { type: 'headers', headers: { 'X-Api-Key': 'example-key-0123' } },
      enabled: true,
    },
  });

export type CreateMcpServerBody = z.infer<typeof createMcpServerBody>;
export type UpdateMcpServerBody = z.infer<typeof updateMcpServerBody>;

export const listMcpServersQuery = pageQuery(50, 200);
export type ListMcpServersQuery = z.infer<typeof listMcpServersQuery>;

const toolExample = {
  id: '01973e10-2b00-7c4d-9a1e-3f5b7d9c1e22',
  name: 'github.search_issues',
  mcp_tool_name: 'search_issues',
  description: 'Searches issues by text.',
  input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  enabled: true,
};

export const mcpServerToolView = z
  .object({
    id: z.uuid().describe('The tool’s id in the organization’s catalogue (/api/v1/tools/{id})'),
    name: z.string().describe('`<server>.<tool>`, or a safe stable form of it (docs/mcp.md)'),
    mcp_tool_name: z.string().describe('The tool’s name on the server'),
    description: z.string(),
    input_schema: z.record(z.string(), z.unknown()),
    enabled: z.boolean().describe('Chosen by the organization; kept across refreshes'),
  })
  .meta({ id: 'McpServerTool', example: toolExample });

const resourceView = z.object({
  uri: z.string(),
  name: z.string(),
  description: z.string().optional(),
  mime_type: z.string().optional(),
});
const promptView = z.object({
  name: z.string(),
  description: z.string().optional(),
  arguments: z
    .array(
      z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }),
    )
    .optional(),
});

const mcpServerExample = {
  id: '01973e10-1a00-7b3c-8f2d-6e4a2c8b0d19',
  organization_id: exampleIds.organization,
  name: 'github',
  description: 'Issues and pull requests of our repositories',
  transport: 'streamable_http',
  endpoint: 'https://mcp.example.com/mcp',
  command: null,
  args: [],
  authentication: { type: 'bearer' },
  health_check_url: null,
  enabled: true,
  capabilities: ['tools', 'resources'],
  server_info: { name: 'github-mcp', version: '2.3.0' },
  tools: [toolExample],
  resources: [{ uri: 'repo://acme/README.md', name: 'README', mime_type: 'text/markdown' }],
  prompts: [],
  health: { status: 'connected', error: null, checked_at: exampleTimes.providerValidated },
  timeout_seconds: 20,
  retry_config: null,
  circuit_breaker_config: { failure_threshold: 3, recovery_timeout: 60 },
  metadata: {},
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.providerCreated,
  updated_at: exampleTimes.providerCreated,
};

export const mcpServerView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    transport: z.enum(mcpTransports),
    endpoint: z.string().nullable().describe('Null for stdio'),
    command: z.string().nullable().describe('Null for streamable HTTP'),
    args: z.array(z.string()),
    authentication: z
      .object({
        type: z.enum(mcpAuthTypes),
        header_names: z.array(z.string()).optional().describe('For `headers`: which headers are set'),
      })
      .describe('Never the token or the header values'),
    health_check_url: z.string().nullable(),
    enabled: z.boolean(),
    capabilities: z.array(z.string()).describe('What the server declared at its last successful check'),
    server_info: z.object({ name: z.string(), version: z.string() }).nullable(),
    tools: z.array(mcpServerToolView).describe('Its tools as tools of the organization (newest check)'),
    resources: z.array(resourceView),
    prompts: z.array(promptView),
    health: z.object({
      status: z
        .enum(mcpHealthStatuses)
        .describe('pending: a check is queued; checking: running; connected or error: its outcome'),
      error: z.string().nullable(),
      checked_at: nullableTimestamp,
    }),
    timeout_seconds: z.number().int().nullable(),
    retry_config: retryConfigSchema.nullable(),
    circuit_breaker_config: circuitBreakerConfigSchema.nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'McpServer', example: mcpServerExample });
export const mcpServerListView = z.array(mcpServerView).meta({ example: [mcpServerExample] });

export type McpServerView = z.infer<typeof mcpServerView>;
export type McpServerToolView = z.infer<typeof mcpServerToolView>;
