import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { truncateText } from '../../platform/text/shorten.ts';
import type { DiscoveredTool } from './mcp-tool-sync.ts';
import type { McpPrompt, McpResource } from './tool-tables.ts';

/** What one check keeps of a server's lists (docs/mcp.md, "Limits"). */
export const DISCOVERY_LIMITS = {
  tools: 500,
  resources: 200,
  prompts: 200,
  pages: 20,
  description: 4_000,
  /** MCP's own bound on a tool's name. */
  toolName: 128,
  inputSchemaBytes: 65_536,
  /** Names, URIs and versions. */
  label: 500,
};

export interface Discovery {
  capabilities: string[];
  serverInfo: { name: string; version: string } | null;
  tools: DiscoveredTool[];
  resources: McpResource[];
  prompts: McpPrompt[];
}

/** Follows `nextCursor` until the list ends, `limit` items are read, or the page bound is reached. */
async function collect<T>(
  list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
  limit: number,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < DISCOVERY_LIMITS.pages && items.length < limit; page++) {
    const result = await list(cursor);
    items.push(...result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return items.slice(0, limit);
}

const text = (value: string | undefined) =>
  value === undefined ? undefined : truncateText(value, DISCOVERY_LIMITS.description);
const label = (value: string) => truncateText(value, DISCOVERY_LIMITS.label);

/** Tools Agentry can name and store: a name within MCP's bound, a schema of reasonable size. */
const isUsable = (tool: { name: string; inputSchema: unknown }) =>
  tool.name.length > 0 &&
  tool.name.length <= DISCOVERY_LIMITS.toolName &&
  Buffer.byteLength(JSON.stringify(tool.inputSchema)) <= DISCOVERY_LIMITS.inputSchemaBytes;

/** Tool names repeated by a server are kept once (the first). */
function distinctByName<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.name) && seen.add(item.name));
}

/**
 * Lists what a connected server offers: its tools (paginated), and its resources and prompts when
 * it declares them. A declared list that fails to load is left empty: the tools are what matter.
 * A tool with a name past 128 characters or an input schema past 64 KB is left out.
 */
export async function discoverServer(client: Client, options: RequestOptions): Promise<Discovery> {
  const declared = client.getServerCapabilities() ?? {};
  const capabilities = Object.entries(declared)
    .filter(([, value]) => value != null)
    .map(([name]) => name)
    .sort();
  const version = client.getServerVersion();

  const tools = declared.tools
    ? await collect(async (cursor) => {
        const page = await client.listTools(cursor ? { cursor } : {}, options);
        return { items: page.tools, nextCursor: page.nextCursor };
      }, DISCOVERY_LIMITS.tools)
    : [];
  const resources = declared.resources
    ? await collect(async (cursor) => {
        const page = await client.listResources(cursor ? { cursor } : {}, options);
        return { items: page.resources, nextCursor: page.nextCursor };
      }, DISCOVERY_LIMITS.resources).catch(() => [])
    : [];
  const prompts = declared.prompts
    ? await collect(async (cursor) => {
        const page = await client.listPrompts(cursor ? { cursor } : {}, options);
        return { items: page.prompts, nextCursor: page.nextCursor };
      }, DISCOVERY_LIMITS.prompts).catch(() => [])
    : [];

  return {
    capabilities,
    serverInfo: version ? { name: label(version.name), version: label(version.version) } : null,
    tools: distinctByName(tools.filter(isUsable)).map((tool) => ({
      name: tool.name,
      description: text(tool.description ?? tool.title) ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      metadata: {
        ...(tool.title ? { title: tool.title } : {}),
        ...(tool.annotations ? { annotations: tool.annotations } : {}),
      },
    })),
    resources: resources.map((resource) => ({
      uri: label(resource.uri),
      name: label(resource.name),
      ...(resource.description ? { description: text(resource.description) } : {}),
      ...(resource.mimeType ? { mime_type: resource.mimeType } : {}),
    })),
    prompts: distinctByName(prompts).map((prompt) => ({
      name: label(prompt.name),
      ...(prompt.description ? { description: text(prompt.description) } : {}),
      ...(prompt.arguments
        ? {
            arguments: prompt.arguments.map((argument) => ({
              name: label(argument.name),
              ...(argument.description ? { description: text(argument.description) } : {}),
              ...(argument.required !== undefined ? { required: argument.required } : {}),
            })),
          }
        : {}),
    })),
  };
}
