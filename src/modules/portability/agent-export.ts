import { buffer } from 'node:stream/consumers';
import type { Page } from '../../platform/db/pagination.ts';
import { NotFoundError, PayloadTooLargeError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import {
  AGENT_FILE_FORMAT,
  AGENT_FILE_FORMAT_VERSION,
  AGENT_FILE_MAX_FILE_BYTES,
  type AgentFile,
  type AgentFileEntry,
} from './agent-file-format.ts';
import type { PortabilityPorts } from './portability-ports.ts';

const PAGE_SIZE = 200;
const MEGABYTE = 1024 * 1024;

/** Every item of a paginated list. */
async function everything<T>(list: (page: Page) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await list({ limit: PAGE_SIZE, offset });
    items.push(...page.items);
    if (page.items.length < PAGE_SIZE || items.length >= page.total) return items;
  }
}

/** The configuration fields of an agent view or a version, its provider ids left out. */
function portableConfiguration(configuration: Record<string, unknown>) {
  return { ...configuration, provider_id: null, fallback_provider_id: null };
}

/**
 * Agent files out (docs/agent-export.md): an agent's configuration (and versions), its own contexts,
 * what its tools are and, on request, its files. Ids of the organization are left out: providers are
 * named by name and type, tools by name; secrets are never read (tool references come without
 * secret header values, MCP servers without credentials, providers without keys).
 */
export function createAgentExport(ports: PortabilityPorts) {
  /** The provider an agent names, by name and type; null when it names none or one since deleted. */
  async function providerReference(principal: Principal, providerId: unknown) {
    if (typeof providerId !== 'string') return null;
    try {
      const { name, type } = await ports.describeProvider(principal, providerId);
      return { name, type };
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  const configurationEntry = async (principal: Principal, configuration: Record<string, unknown>) => ({
    configuration: portableConfiguration(configuration),
    provider: await providerReference(principal, configuration.provider_id),
    fallback_provider: await providerReference(principal, configuration.fallback_provider_id),
  });

  async function versionsOf(principal: Principal, agentId: string) {
    const versions = await everything((page) => ports.agents.listVersions(principal, agentId, page));
    // Listed newest first; a file keeps them oldest first, as they are replayed.
    return Promise.all(
      versions.reverse().map(async (version) => ({
        version: version.version,
        ...(await configurationEntry(principal, version.configuration)),
        change_type: version.change_type,
        change_reason: version.change_reason,
        created_at: version.created_at,
      })),
    );
  }

  async function contextsOf(principal: Principal, agentId: string) {
    const listed = await everything((page) => ports.contexts.list(principal, agentId, page));
    // Its own only: a context shared with it belongs to another agent, which the file does not carry.
    const owned = listed.filter((context) => context.access === 'owner');
    const contexts = await Promise.all(
      owned.map(async (context) => {
        const { name, data } = await ports.contexts.get(principal, context.id);
        return { name, data };
      }),
    );
    return contexts.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  }

  async function filesOf(principal: Principal, agentId: string): Promise<AgentFileEntry[]> {
    const attached = await everything((page) => ports.agentFiles.list(principal, agentId, page));
    const total = attached.reduce((sum, file) => sum + file.size_bytes, 0);
    if (total > AGENT_FILE_MAX_FILE_BYTES) {
      throw new PayloadTooLargeError(
        'agent_file_too_large',
        `The agent's files take ${(total / MEGABYTE).toFixed(1)} MB, more than the ${AGENT_FILE_MAX_FILE_BYTES / MEGABYTE} MB ` +
          'an agent file carries: export without include_files and move the files on their own',
        { bytes: total, max_bytes: AGENT_FILE_MAX_FILE_BYTES },
      );
    }
    const entries: AgentFileEntry[] = [];
    // One at a time: at most one file's bytes are read while the others wait.
    for (const file of attached.sort((left, right) => left.order_index - right.order_index)) {
      const { purpose } = await ports.files.get(principal, file.file_id);
      const download = await ports.files.download(principal, file.file_id);
      entries.push({
        filename: file.filename,
        mime_type: file.mime_type,
        size_bytes: file.size_bytes,
        sha256: file.sha256,
        purpose,
        order_index: file.order_index,
        content_base64: (await buffer(download.body)).toString('base64'),
      });
    }
    return entries;
  }

  return {
    async exportAgent(
      principal: Principal,
      agentId: string,
      options: { includeVersions: boolean; includeFiles: boolean },
    ): Promise<{ agent: AgentView; file: AgentFile }> {
      const agent = await ports.agents.get(principal, agentId);
      const { configuration } = await ports.agents.currentConfiguration(principal, agentId);
      const versions = options.includeVersions ? await versionsOf(principal, agentId) : undefined;
      const named = [configuration, ...(versions ?? []).map((version) => version.configuration)];
      const tools = [...new Set(named.flatMap((entry) => (entry as { tools: string[] }).tools))];
      const file: AgentFile = {
        format: AGENT_FILE_FORMAT,
        format_version: AGENT_FILE_FORMAT_VERSION,
        exported_at: new Date().toISOString(),
        agentry_version: ports.agentryVersion,
        source: { agent_id: agent.id, agent_name: agent.name, version: agent.version },
        agent: {
          // An archived agent comes back inactive: archiving is the source's decision.
          status: agent.status === 'active' ? 'active' : 'inactive',
          ...(await configurationEntry(principal, configuration)),
        },
        ...(versions ? { versions } : {}),
        contexts: await contextsOf(principal, agentId),
        tools: await ports.describeTools(principal, tools),
        ...(options.includeFiles ? { files: await filesOf(principal, agentId) } : {}),
      };
      return { agent, file };
    },
  };
}

export type AgentExport = ReturnType<typeof createAgentExport>;
