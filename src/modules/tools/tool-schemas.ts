import { z } from 'zod';
import { nullableTimestamp, pageQuery } from '../../platform/http/common-schemas.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { circuitBreakerConfigSchema, retryConfigSchema } from '../../platform/resilience/service-policy.ts';
import { servicePolicyView } from '../services/index.ts';
import { SENDABLE_HEADER_VALUE } from './http-tool-templates.ts';
import { httpMethods } from './tool-tables.ts';

/** The largest response an HTTP tool may read, and the default. */
const MAX_RESPONSE_BYTES_LIMIT = 10 * 1024 * 1024;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Ids and times of this module's OpenAPI examples, after those of the shared examples. */
const examples = {
  toolId: '01974a10-3c00-7b2e-8d4f-1a6c9e2b7d35',
  created: '2025-06-09T09:00:00.000Z',
  updated: '2025-06-09T09:30:00.000Z',
} as const;

const toolName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/,
    'must be a function name: a letter or _, then letters, digits, _ or - (64 at most); dots are kept for MCP tools (server.tool)',
  )
  .describe('What agents name it in tools[] and the model calls: unique in the organization (any case)');

// Header names are checked by the service, so that a refused secret header's value is never shown.
const headerNames =
  'Names are HTTP header names; Host, Content-Length, Transfer-Encoding, Connection and the like are refused.';
const headerValue = z
  .string()
  .max(8_192)
  .regex(SENDABLE_HEADER_VALUE, 'must not contain line breaks or control characters');

const inputSchema = z
  .record(z.string(), z.unknown())
  .describe(
    'JSON Schema (draft-07, or 2020-12 when $schema is absent) of the arguments: its root must be `type: object`. ' +
      'Every {{placeholder}} of the request must be one of its properties. Default: an object with no declared properties.',
  );
const metadata = z.record(z.string(), z.unknown()).describe('Free-form data of yours, returned as given');

const method = z.enum(httpMethods);
const urlTemplate = z
  .string()
  .min(1)
  .max(2_000)
  .describe(
    'Absolute http(s) URL with {{argument}} placeholders, filled URL-encoded. Without a placeholder in the host it must ' +
      'pass the outbound guard when written (400 outbound_url_blocked); every call is checked again.',
  );
const headers = z
  .record(z.string(), headerValue)
  .describe(
    `Headers sent with every call, shown in responses; values may hold {{argument}} placeholders. ${headerNames}`,
  );
const secretHeaders = z
  .record(z.string(), z.string())
  .describe(
    'Write-only: header values stored encrypted and never returned (responses list their names in ' +
      `secret_header_names), e.g. Authorization. Values are sent as given (no placeholders), at most 8 KB each. ${headerNames}`,
  );
const bodyTemplate = z
  .string()
  .max(65_536)
  .nullable()
  .describe(
    'JSON with placeholders in its strings: a string that is exactly "{{name}}" becomes the argument’s JSON value, a ' +
      'placeholder inside a longer string its text. null: POST, PUT and PATCH send the arguments as the JSON body, ' +
      'GET and DELETE no body. GET takes no body template.',
  );
const timeoutSeconds = z
  .number()
  .min(0.1)
  .max(600)
  .nullable()
  .describe('Bound on one attempt, in seconds; null: the server’s TOOL_CALL_TIMEOUT_SECONDS');
const maxResponseBytes = z
  .number()
  .int()
  .min(1)
  .max(MAX_RESPONSE_BYTES_LIMIT)
  .describe('A larger response is not read, and the call fails saying so (default 1 MiB, at most 10 MiB)');

const httpToolBody = z
  .object({
    method,
    url_template: urlTemplate,
    headers: headers.default({}),
    secret_headers: secretHeaders.default({}),
    body_template: bodyTemplate.default(null),
    timeout_seconds: timeoutSeconds.default(null),
    max_response_bytes: maxResponseBytes.default(DEFAULT_MAX_RESPONSE_BYTES),
  })
  .strict()
  .describe('How the tool calls its target');

const httpToolChange = z
  .object({
    method: method.optional(),
    url_template: urlTemplate.optional(),
    headers: headers.optional().describe('Replaces the headers'),
    secret_headers: secretHeaders
      .nullable()
      .optional()
      .describe('Replaces every secret header; null or {} removes them; omitted keeps them'),
    body_template: bodyTemplate.optional(),
    timeout_seconds: timeoutSeconds.optional(),
    max_response_bytes: maxResponseBytes.optional(),
  })
  .strict()
  .describe('The fields given change, the others stay');

const retryConfig = retryConfigSchema.nullable().describe('null: the server’s defaults (TOOL_RETRY_*)');
const circuitBreakerConfig = circuitBreakerConfigSchema
  .nullable()
  .describe('null: the server’s defaults (TOOL_BREAKER_*)');

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name, e.g. Lisbon' } },
  required: ['city'],
};

export const createToolBody = z
  .object({
    name: toolName,
    description: z.string().max(4_000).default('').describe('What the model reads to decide when to call it'),
    kind: z.enum(['http']).default('http').describe('Only http: MCP tools come from MCP servers'),
    input_schema: inputSchema.optional(),
    schema: inputSchema.optional().describe('Seed 004’s name of input_schema (either, or both when equal)'),
    mcp_server_id: z
      .null()
      .optional()
      .describe('Seed 004’s Tool field: null here, since an MCP server’s tools come from the server'),
    enabled: z.boolean().default(true),
    metadata: metadata.default({}),
    http: httpToolBody,
    retry_config: retryConfig.default(null),
    circuit_breaker_config: circuitBreakerConfig.default(null),
  })
  .strict()
  .meta({
    id: 'ToolCreate',
    example: {
      name: 'get_weather',
      description: 'Current weather of a city',
      kind: 'http',
      input_schema: weatherSchema,
      enabled: true,
      metadata: {},
      http: {
        method: 'GET',
        url_template: 'https://api.example.com/weather?city={{city}}',
        headers: { Accept: 'application/json' },
        secret_headers: { Authorization: 'Bearer sk-example' },
        body_template: null,
        timeout_seconds: 10,
        max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
      },
      retry_config: { max_attempts: 3 },
      circuit_breaker_config: null,
    },
  });
export type CreateToolBody = z.infer<typeof createToolBody>;

export const updateToolBody = z
  .object({
    name: toolName.optional(),
    description: z.string().max(4_000).optional(),
    input_schema: inputSchema.optional(),
    schema: inputSchema.optional(),
    enabled: z.boolean().optional(),
    metadata: metadata.optional(),
    http: httpToolChange.optional(),
    retry_config: retryConfig.optional(),
    circuit_breaker_config: circuitBreakerConfig.optional(),
  })
  .strict()
  .meta({
    id: 'ToolUpdate',
    description:
      'Partial: the fields given change. An MCP server’s tool takes enabled and metadata only (422 otherwise).',
    example: { enabled: false, http: { timeout_seconds: 5 } },
  });
export type UpdateToolBody = z.infer<typeof updateToolBody>;

const toolKindFilters = ['http', 'mcp', 'builtin'] as const;

const trueOrFalse = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .optional();

export const listToolsQuery = pageQuery(50, 200).extend({
  kind: z.enum(toolKindFilters).optional(),
  enabled: trueOrFalse.describe('true: only enabled tools; false: only disabled ones'),
  mcp_server_id: z.uuid().optional().describe('Only the tools of this MCP server'),
  search: z.string().trim().min(1).max(200).optional().describe('In the name or description, any case'),
});
export type ListToolsQuery = z.infer<typeof listToolsQuery>;

export const toolIdParams = z.object({
  id: z.string().min(1).max(200).describe('A tool’s id, or a built-in tool’s name'),
});

const httpToolExample = {
  method: 'GET',
  url_template: 'https://api.example.com/weather?city={{city}}',
  headers: { Accept: 'application/json' },
  secret_header_names: ['Authorization'],
  body_template: null,
  timeout_seconds: 10,
  max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
};

const toolExample = {
  id: examples.toolId,
  organization_id: exampleIds.organization,
  name: 'get_weather',
  description: 'Current weather of a city',
  kind: 'http',
  input_schema: weatherSchema,
  schema: weatherSchema,
  enabled: true,
  metadata: {},
  http: httpToolExample,
  mcp_server_id: null,
  mcp_tool_name: null,
  retry_config: { max_attempts: 3 },
  circuit_breaker_config: null,
  resilience: {
    retry: { max_attempts: 3, base_delay: 0.2, max_delay: 2, multiplier: 2, jitter: true },
    circuit_breaker: { failure_threshold: 5, recovery_timeout: 30 },
    timeout_seconds: 10,
  },
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: examples.created,
  updated_at: examples.updated,
};

const builtinExample = {
  ...toolExample,
  id: 'current_time',
  organization_id: null,
  name: 'current_time',
  description: 'Returns the current date and time (ISO 8601, UTC)',
  kind: 'builtin',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } } },
  schema: { type: 'object', properties: { timezone: { type: 'string' } } },
  metadata: { provided_by: 'builtin' },
  http: null,
  retry_config: null,
  resilience: null,
  created_by_user_id: null,
  created_at: null,
  updated_at: null,
};

export const toolView = z
  .object({
    id: z.string().describe('A UUID; a built-in tool’s name for a built-in tool'),
    organization_id: z.uuid().nullable().describe('Null for a built-in tool'),
    name: z.string(),
    description: z.string(),
    kind: z
      .enum(toolKindFilters)
      .describe('http: yours; mcp: an MCP server’s (server.tool); builtin: Agentry’s, read-only'),
    input_schema: z.record(z.string(), z.unknown()),
    schema: z.record(z.string(), z.unknown()).describe('The same as input_schema (seed 004’s name)'),
    enabled: z.boolean().describe('An MCP tool is offered only while its server is enabled too'),
    metadata: z.record(z.string(), z.unknown()),
    http: z
      .object({
        method,
        url_template: z.string(),
        headers: z.record(z.string(), z.string()),
        secret_header_names: z.array(z.string()).describe('Set, never shown'),
        body_template: z.string().nullable(),
        timeout_seconds: z.number().nullable(),
        max_response_bytes: z.number().int(),
      })
      .nullable()
      .describe('http tools only'),
    mcp_server_id: z.uuid().nullable(),
    mcp_tool_name: z.string().nullable().describe('The tool’s own name on its MCP server'),
    retry_config: retryConfigSchema.nullable(),
    circuit_breaker_config: circuitBreakerConfigSchema.nullable(),
    resilience: servicePolicyView
      .nullable()
      .describe(
        'HTTP tools: what their calls use, their own settings over the server’s TOOL_* defaults (docs/services.md); ' +
          'null for the others (an MCP tool follows its server’s)',
      ),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: nullableTimestamp.describe('Null for a built-in tool'),
    updated_at: nullableTimestamp.describe('Null for a built-in tool'),
  })
  .meta({ id: 'Tool', example: toolExample });
export const toolListView = z
  .array(toolView)
  .meta({ id: 'ToolList', example: [builtinExample, toolExample] });
export type ToolView = z.infer<typeof toolView>;

export const testToolBody = z
  .object({
    arguments: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Validated against the tool’s input_schema (422 naming each problem)'),
  })
  .strict()
  .meta({ id: 'ToolTest', example: { arguments: { city: 'Lisbon' } } });

export const toolTestView = z
  .object({
    success: z.boolean(),
    result: z.unknown().optional().describe('What the model would read: for an HTTP tool {status, body}'),
    error: z.string().optional().describe('What the model would read when the call fails'),
    duration_ms: z.number().int(),
  })
  .meta({
    id: 'ToolTestResult',
    example: {
      success: true,
      result: { status: 200, body: { city: 'Lisbon', temperature_c: 21 } },
      duration_ms: 184,
    },
  });
export type ToolTestView = z.infer<typeof toolTestView>;
