import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { type ContextPart, type ContextSource, contextOrder, estimateTokens } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { type KnowledgeFile, knowledgeFilesOf } from './agent-file-repository.ts';
import { positionLabel } from './chunk-label.ts';
import type { KnowledgeHit } from './knowledge-search.ts';

/** The share of an agent's max_context_size its knowledge may take (seed 000: files within max_context_size). */
export const KNOWLEDGE_BUDGET_SHARE = 0.5;
/** Passages given to the model when the files do not fit whole: at most this many, best first. */
const MAX_PASSAGES = 12;
/** Agents whose file lists are remembered per process. */
const CACHED_AGENTS = 10_000;
const SOURCE = 'knowledge';

export interface KnowledgeSourceOptions {
  db: Database;
  /** The agent's passages most relevant to the query, best first (hybrid retrieval). */
  search(principal: Principal, agentId: string, query: string, k: number): Promise<KnowledgeHit[]>;
  /** The whole extracted text of each content, in document order. */
  wholeTexts(scope: TenantScope, contentIds: string[]): Promise<Map<string, string>>;
}

/** Events after which an agent's file list is read again (an attachment changed, an extraction ended). */
const attachmentEvents = new Set(['agent-file-attached', 'agent-file-detached', 'agent-file-updated']);
const PROCESSING_EVENT = 'file-processing-updated';

const fileHeading = (filename: string) => `# Knowledge: ${filename}`;

/**
 * The knowledge context source (seed 000 phase 3, DESIGN section 6): an agent's extracted files,
 * whole and in reading order when they fit in their share of max_context_size; otherwise the
 * passages most relevant to the user's message, each labelled with its file and position. Every
 * part carries a reference, so the run records which files or chunks the model was given.
 *
 * An agent's file list is cached per process once every file's extraction has ended (the common
 * case costs no query), and dropped on the attachment and processing events.
 */
export function createKnowledgeSource(options: KnowledgeSourceOptions) {
  const files = createInvalidatingCache<KnowledgeFile[]>(CACHED_AGENTS);

  async function filesOf(scope: TenantScope, agentId: string) {
    const known = await files.get(scope.organizationId, agentId, () =>
      knowledgeFilesOf(options.db, scope, agentId),
    );
    // A list with an extraction under way changes without an attachment event reaching this cache first.
    if (known.some((file) => file.status === 'pending' || file.status === 'processing')) {
      files.invalidate(scope.organizationId, agentId);
    }
    return known.filter((file) => file.status === 'processed');
  }

  async function wholeParts(scope: TenantScope, readable: KnowledgeFile[]): Promise<ContextPart[]> {
    const texts = await options.wholeTexts(scope, [...new Set(readable.map((file) => file.contentId))]);
    return readable.map((file, index) => ({
      source: SOURCE,
      placement: 'instructions',
      role: 'user',
      content: `${fileHeading(file.filename)}\n${texts.get(file.contentId) ?? ''}`,
      // Should the whole context still be too large, the files read last go first.
      dropRank: readable.length - index,
      reference: { file_id: file.fileId, filename: file.filename, whole: true },
    }));
  }

  async function passageParts(
    principal: Principal,
    agentId: string,
    message: string,
  ): Promise<ContextPart[]> {
    const hits = await options.search(principal, agentId, message, MAX_PASSAGES);
    return hits.map((hit, index) => ({
      source: SOURCE,
      placement: 'instructions',
      role: 'user',
      content: `${fileHeading(hit.filename)} (${positionLabel(hit.position)})\n${hit.text}`,
      dropRank: hits.length - index,
      reference: {
        chunk_id: hit.chunkId,
        file_id: hit.fileId,
        filename: hit.filename,
        position: hit.position,
        score: hit.score,
      },
    }));
  }

  const source: ContextSource = {
    name: SOURCE,
    order: contextOrder.knowledge,
    budgetShare: KNOWLEDGE_BUDGET_SHARE,
    async collect({ principal, agent, message }) {
      const readable = await filesOf(principal, agent.id);
      if (readable.length === 0) return [];
      const wholeTokens = readable.reduce(
        (sum, file) =>
          sum + estimateTokens(fileHeading(file.filename)) + Math.ceil((file.charCount ?? 0) / 4) + 1,
        0,
      );
      const share = Math.floor(agent.max_context_size * KNOWLEDGE_BUDGET_SHARE);
      return wholeTokens <= share
        ? wholeParts(principal, readable)
        : passageParts(principal, agent.id, message);
    },
  };

  const watcher: EventWatcher = {
    event(event) {
      if (event.type === PROCESSING_EVENT) files.invalidateGroup(event.organization_id);
      else if (attachmentEvents.has(event.type) && typeof event.data.agent_id === 'string') {
        files.invalidate(event.organization_id, event.data.agent_id);
      }
    },
    gap: () => files.clear(),
  };

  return {
    source,
    watcher,
    /** Drops an agent's cached file list at once in the process that changed it. */
    forget: (organizationId: string, agentId: string) => files.invalidate(organizationId, agentId),
  };
}
