import type { Executor } from '../../platform/db/database.ts';
import { iso } from '../../platform/http/common-schemas.ts';
import type { KnownService, ServiceCatalog } from '../services/index.ts';
import { allServers } from './mcp-repository.ts';
import type { McpServerRow } from './tool-tables.ts';

/** Where a server is, for a listing: the endpoint's origin and path (no query), or the stdio command. */
function whereItIs(row: McpServerRow): string | null {
  if (row.transport === 'stdio') return row.command === null ? null : `stdio:${row.command}`;
  const url = row.endpoint === null ? null : URL.parse(row.endpoint);
  return url ? `${url.origin}${url.pathname}` : null;
}

/** The organization's MCP servers for the health listing, each with its last connection check. */
export const mcpServiceCatalog =
  (db: Executor): ServiceCatalog =>
  async (scope) =>
    (await allServers(db, scope)).map(
      (row): KnownService => ({
        type: 'mcp_server',
        id: row.id,
        name: row.name,
        endpoint: whereItIs(row),
        enabled: row.enabled,
        check: { status: row.healthStatus, checked_at: iso(row.checkedAt), error: row.healthError },
      }),
    );
