import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import type { ToolCatalogue } from './tool-catalogue.ts';
import { type HttpToolRequest, mcpServers, tools } from './tool-tables.ts';

/**
 * A tool as another organization can recognize it (an agent file's): its name and what it is,
 * never an id, a secret header's value or an MCP server's credentials.
 */
export type ToolReference =
  | { name: string; kind: 'builtin' }
  | {
      name: string;
      kind: 'http';
      description: string;
      input_schema: Record<string, unknown>;
      /** The request without its secret headers: only their names, whose values the importer sets. */
      http: HttpToolRequest & { secret_header_names: string[] };
    }
  | {
      name: string;
      kind: 'mcp';
      description: string;
      mcp_server: string | null;
      mcp_tool_name: string | null;
    }
  | { name: string; kind: 'unknown' };

/** The references of `names`, in their order: stored tools first, then built-in ones, else unknown. */
export function createToolReferences(db: Database, catalogue: Pick<ToolCatalogue, 'offeredTools'>) {
  return async (scope: TenantScope, names: readonly string[]): Promise<ToolReference[]> => {
    if (names.length === 0) return [];
    const [rows, offered] = await Promise.all([
      db
        .select({
          name: tools.name,
          kind: tools.kind,
          description: tools.description,
          inputSchema: tools.inputSchema,
          http: tools.http,
          secretHeaderNames: tools.secretHeaderNames,
          mcpToolName: tools.mcpToolName,
          serverName: mcpServers.name,
        })
        .from(tools)
        .leftJoin(mcpServers, eq(mcpServers.id, tools.mcpServerId))
        .where(
          and(inScope(tools.organizationId, scope), isNull(tools.deletedAt), inArray(tools.name, [...names])),
        ),
      catalogue.offeredTools(scope),
    ]);
    const builtin = new Set(offered.map(({ tool }) => tool.name));
    return names.map((name): ToolReference => {
      const row = rows.find((candidate) => candidate.name === name);
      if (row?.kind === 'http' && row.http) {
        return {
          name,
          kind: 'http',
          description: row.description,
          input_schema: row.inputSchema,
          http: { ...row.http, secret_header_names: row.secretHeaderNames },
        };
      }
      if (row?.kind === 'mcp') {
        return {
          name,
          kind: 'mcp',
          description: row.description,
          mcp_server: row.serverName,
          mcp_tool_name: row.mcpToolName,
        };
      }
      return builtin.has(name) ? { name, kind: 'builtin' } : { name, kind: 'unknown' };
    });
  };
}

export type DescribeTools = ReturnType<typeof createToolReferences>;
