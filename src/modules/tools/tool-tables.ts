import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CircuitBreakerConfig, RetryConfig } from '../../platform/resilience/service-policy.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

export const toolKinds = ['http', 'mcp'] as const;
export type StoredToolKind = (typeof toolKinds)[number];
export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof httpMethods)[number];
export const mcpTransports = ['streamable_http', 'stdio'] as const;
export type McpTransport = (typeof mcpTransports)[number];
export const mcpAuthTypes = ['none', 'bearer', 'headers'] as const;
export type McpAuthType = (typeof mcpAuthTypes)[number];
/** `checking`: a connection job holds the server; `connected`/`error`: the last check's outcome. */
export const mcpHealthStatuses = ['pending', 'checking', 'connected', 'error'] as const;
export type McpHealthStatus = (typeof mcpHealthStatuses)[number];

/**
 * How an `http` tool calls its target. `{{name}}` placeholders in the URL (URL-encoded), header
 * values and body template are filled from the tool's arguments. Secret header values are not
 * here: they are sealed in `secret_headers_ciphertext`.
 */
export interface HttpToolRequest {
  method: HttpMethod;
  url_template: string;
  /** Header values that are not secret, shown in responses. */
  headers: Record<string, string>;
  /** JSON with placeholders; null sends the arguments as the JSON body (POST, PUT, PATCH) or none. */
  body_template: string | null;
  timeout_seconds: number | null;
  max_response_bytes: number;
}

/** What an MCP server offered at its last successful check (tools are rows of `tools`). */
export interface McpResource {
  uri: string;
  name: string;
  description?: string;
  mime_type?: string;
}
export interface McpPrompt {
  name: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

/**
 * An MCP server an organization registered (seed 004 MCPServer). Its authentication (a bearer
 * token or headers) is sealed with the context `mcp_servers:<id>` and never returned.
 */
export const mcpServers = pgTable(
  'mcp_servers',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /** Prefix of its tools' names (`name.tool`): letters, digits, `_` and `-`. */
    name: text('name').notNull(),
    description: text('description'),
    transport: text('transport', { enum: mcpTransports }).notNull(),
    /** The streamable HTTP endpoint; null for stdio. */
    endpoint: text('endpoint'),
    /** The stdio command and its arguments; null for streamable HTTP. */
    command: text('command'),
    args: jsonb('args').$type<string[]>().notNull().default([]),
    authType: text('auth_type', { enum: mcpAuthTypes }).notNull().default('none'),
    authCiphertext: text('auth_ciphertext'),
    /** Seed 004's health_check_url: checked with a GET besides the MCP handshake when set. */
    healthCheckUrl: text('health_check_url'),
    enabled: boolean('enabled').notNull().default(true),
    /** The capabilities the server declared (tools, resources, prompts, logging, ...). */
    capabilities: jsonb('capabilities').$type<string[]>().notNull().default([]),
    serverInfo: jsonb('server_info').$type<{ name: string; version: string } | null>(),
    resources: jsonb('resources').$type<McpResource[]>().notNull().default([]),
    prompts: jsonb('prompts').$type<McpPrompt[]>().notNull().default([]),
    healthStatus: text('health_status', { enum: mcpHealthStatuses }).notNull().default('pending'),
    healthError: text('health_error'),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
    /** Incremented with every check request; a job acts only while the row still holds its number. */
    checkSequence: integer('check_sequence').notNull().default(0),
    timeoutSeconds: integer('timeout_seconds'),
    retryConfig: jsonb('retry_config').$type<RetryConfig>(),
    circuitBreakerConfig: jsonb('circuit_breaker_config').$type<CircuitBreakerConfig>(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('mcp_servers_organization_name_unique')
      .on(table.organizationId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    index('mcp_servers_organization_created_idx')
      .on(table.organizationId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
  ],
);

/**
 * A tool of an organization (seed 004 Tool): an `http` tool it defined, or a tool an MCP server
 * offered (`mcp_server_id` set, named `server.tool`, kept in step with the server's list by its
 * checks). Built-in tools are not rows: modules offer them through the turn registry.
 */
export const tools = pgTable(
  'tools',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind', { enum: toolKinds }).notNull(),
    inputSchema: jsonb('input_schema').$type<Record<string, unknown>>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** `http` tools: the request to make. */
    http: jsonb('http').$type<HttpToolRequest>(),
    /** `http` tools: secret header values, sealed with the context `tools:<id>`. */
    secretHeadersCiphertext: text('secret_headers_ciphertext'),
    /** The names of the sealed headers, so that responses can say which are set. */
    secretHeaderNames: jsonb('secret_header_names').$type<string[]>().notNull().default([]),
    /** `mcp` tools: the server that offers it and the tool's name there. */
    mcpServerId: uuid('mcp_server_id').references(() => mcpServers.id, { onDelete: 'cascade' }),
    mcpToolName: text('mcp_tool_name'),
    /** `http` tools' own retry and breaker settings (an MCP tool follows its server's). */
    retryConfig: jsonb('retry_config').$type<RetryConfig>(),
    circuitBreakerConfig: jsonb('circuit_breaker_config').$type<CircuitBreakerConfig>(),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('tools_organization_name_unique')
      .on(table.organizationId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    uniqueIndex('tools_server_tool_unique')
      .on(table.mcpServerId, table.mcpToolName)
      .where(sql`${table.deletedAt} is null`),
    index('tools_organization_created_idx')
      .on(table.organizationId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
  ],
);

export type ToolRow = typeof tools.$inferSelect;
export type McpServerRow = typeof mcpServers.$inferSelect;
