import type { AgentImports, AgentService, ChangeContext } from '../agents/index.ts';
import type { ContextService } from '../contexts/index.ts';
import type { ProviderDescription } from '../providers/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { DescribeTools } from '../tools/index.ts';

/** A page of an agent's attached files, as the knowledge module lists them. */
interface AttachedFile {
  file_id: string;
  filename: string;
  mime_type: string;
  size_bytes: number;
  sha256: string;
  order_index: number;
}

/**
 * What agent files need of the other modules, through their service APIs: the agents module reads
 * and imports agents, contexts and knowledge keep what the agent reads, providers and tools are
 * only described (by name) or checked.
 */
export interface PortabilityPorts {
  agentryVersion: string;
  agents: Pick<AgentService, 'get' | 'currentConfiguration' | 'listVersions' | 'remove'>;
  imports: AgentImports;
  contexts: Pick<ContextService, 'list' | 'get' | 'create'>;
  describeProvider(
    principal: Principal,
    providerId: string,
  ): Promise<Pick<ProviderDescription, 'name' | 'type'>>;
  describeTools: DescribeTools;
  agentFiles: {
    list(
      principal: Principal,
      agentId: string,
      page: { limit: number; offset: number },
    ): Promise<{ items: AttachedFile[]; total: number }>;
    attach(
      context: ChangeContext,
      agentId: string,
      body: { file_id: string; order_index?: number | undefined },
    ): Promise<{ file_id: string; filename: string; order_index: number }>;
  };
  files: {
    get(principal: Principal, fileId: string): Promise<{ purpose: string }>;
    download(principal: Principal, fileId: string): Promise<{ body: NodeJS.ReadableStream }>;
    remove(context: ChangeContext, fileId: string, force: boolean): Promise<void>;
  };
  /** Stores bytes as an upload would (limit, screening); the new file's id. */
  storeBytes(
    principal: Principal,
    file: { filename: string; purpose: string; bytes: Uint8Array },
  ): Promise<{ id: string; filename: string }>;
}
