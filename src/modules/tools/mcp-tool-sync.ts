import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { canonicalJson } from '../../platform/text/canonical-json.ts';
import { storableJson, storableText } from '../../platform/text/storable.ts';
import { assignToolNames, plainToolName } from './mcp-tool-names.ts';
import {
  insertTools,
  namesTakenOutside,
  serverToolHistory,
  softDeleteTools,
  type ToolInsert,
  updateTool,
} from './mcp-tool-repository.ts';
import type { ToolRow } from './tool-tables.ts';

/** A tool as a server lists it. */
export interface DiscoveredTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server's display title and annotations (read-only, destructive...), kept as metadata. */
  metadata: Record<string, unknown>;
}

export const discoveredFromRow = (row: ToolRow): DiscoveredTool => ({
  name: row.mcpToolName ?? '',
  description: row.description,
  inputSchema: row.inputSchema,
  metadata: row.metadata,
});

/**
 * Makes the server's rows of `tools` match `discovered`, inside the caller's transaction: new
 * tools are inserted (enabled), changed names, descriptions and schemas updated, vanished tools
 * soft-deleted. A tool keeps its row and its `enabled` (the organization's choice) across checks,
 * and takes its old row again when it comes back after having vanished. Returns whether anything
 * changed.
 */
export async function syncServerTools(
  tx: Executor,
  scope: TenantScope,
  server: { id: string; name: string },
  discovered: readonly DiscoveredTool[],
): Promise<boolean> {
  const history = await serverToolHistory(tx, scope, server.id);
  const liveRows = new Map<string, ToolRow>();
  const deletedRows = new Map<string, ToolRow>();
  for (const row of history) {
    const key = row.mcpToolName ?? '';
    if (row.deletedAt === null) liveRows.set(key, row);
    else if (!deletedRows.has(key)) deletedRows.set(key, row);
  }
  const listed = new Set(discovered.map((tool) => tool.name));
  // Vanished tools go first: their names are free for the others.
  const vanished = [...liveRows.values()].filter((row) => !listed.has(row.mcpToolName ?? ''));
  await softDeleteTools(
    tx,
    scope,
    vanished.map((row) => row.id),
  );
  let changed = vanished.length > 0;

  const plainNames = discovered.map((tool) => plainToolName(server.name, tool.name).toLowerCase());
  const taken = await namesTakenOutside(tx, scope, server.id, plainNames);
  const names = assignToolNames(server.name, [...listed], taken);
  const inserts: ToolInsert[] = [];
  for (const tool of discovered) {
    const name = names.get(tool.name) as string;
    const description = storableText(tool.description);
    const inputSchema = storableJson(tool.inputSchema);
    const metadata = storableJson(tool.metadata);
    const row = liveRows.get(tool.name) ?? deletedRows.get(tool.name);
    if (!row) {
      inserts.push({
        id: uuidv7(),
        organizationId: scope.organizationId,
        name,
        description,
        kind: 'mcp',
        inputSchema,
        metadata,
        mcpServerId: server.id,
        mcpToolName: tool.name,
      });
      continue;
    }
    const unchanged =
      row.deletedAt === null &&
      row.name === name &&
      row.description === description &&
      canonicalJson(row.inputSchema) === canonicalJson(inputSchema) &&
      canonicalJson(row.metadata) === canonicalJson(metadata);
    if (!unchanged) {
      await updateTool(tx, scope, row.id, { name, description, inputSchema, metadata, deletedAt: null });
      changed = true;
    }
  }
  await insertTools(tx, inserts);
  return changed || inserts.length > 0;
}
