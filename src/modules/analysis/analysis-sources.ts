import type { Readable } from 'node:stream';
import { BadRequestError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import {
  fileFormat,
  invalidSource,
  readFileItems,
  type SourceItem,
  sourceTooLarge,
} from './analysis-file-items.ts';
import { type AnalysisSource, bytesOf, ITEM_MAX_BYTES, MAX_SOURCE_ITEMS } from './analysis-schemas.ts';

/** What reading the sources needs from the conversations, agents and knowledge modules. */
export interface SourceReaders {
  /** User messages of an agent's sessions (or one of them: 403/404) in [from, to), oldest first. */
  userMessagesInWindow(
    principal: Principal,
    window: { agentId: string; sessionId?: string | undefined; from: Date; to: Date; limit: number },
  ): Promise<{ id: string; sessionId: string; content: string; createdAt: Date }[]>;
  /** The agent as its reader may see it (403/404). */
  requireAgent(principal: Principal, agentId: string): Promise<unknown>;
  /** An uploaded file's bytes (403/404). */
  downloadFile(principal: Principal, fileId: string): Promise<{ mimeType: string; body: Readable }>;
}

/** The source as the run keeps it: what was asked, without the inline items themselves. */
export function describedSource(source: AnalysisSource): Record<string, unknown> {
  if (source.type !== 'inline') return { ...source };
  return { type: 'inline' };
}

async function timeWindowItems(
  readers: SourceReaders,
  principal: Principal,
  source: Extract<AnalysisSource, { type: 'time_window' }>,
  assignmentAgentId: string,
): Promise<SourceItem[]> {
  const agentId = source.agent_id ?? assignmentAgentId;
  if (source.agent_id) await readers.requireAgent(principal, source.agent_id);
  const messages = await readers.userMessagesInWindow(principal, {
    agentId,
    sessionId: source.session_id,
    from: new Date(source.time_window_start),
    to: new Date(source.time_window_end),
    limit: MAX_SOURCE_ITEMS + 1,
  });
  if (messages.length > MAX_SOURCE_ITEMS) throw sourceTooLarge(MAX_SOURCE_ITEMS);
  return messages
    .filter((message) => message.content.trim().length > 0)
    .map((message) => {
      const sourceRef = {
        type: 'message' as const,
        message_id: message.id,
        session_id: message.sessionId,
        created_at: message.createdAt.toISOString(),
      };
      if (bytesOf(message.content) > ITEM_MAX_BYTES)
        throw invalidSource('A message is larger than 100 KB', { source_ref: sourceRef });
      return { sourceRef, input: message.content };
    });
}

/**
 * The items a source yields, read once when the run is created: inline items in order, a time
 * window's user messages oldest first, a file's rows or lines in order. 400 analysis_source_empty
 * when there are none.
 */
export async function materializeItems(
  readers: SourceReaders,
  principal: Principal,
  source: AnalysisSource,
  assignmentAgentId: string,
): Promise<SourceItem[]> {
  let items: SourceItem[];
  switch (source.type) {
    case 'inline':
      items = source.items.map((input, index) => ({ sourceRef: { type: 'inline', index }, input }));
      break;
    case 'time_window':
      items = await timeWindowItems(readers, principal, source, assignmentAgentId);
      break;
    case 'file': {
      const download = await readers.downloadFile(principal, source.file_id);
      let format: 'csv' | 'jsonl';
      try {
        format = fileFormat(download.mimeType, source.format);
      } catch (error) {
        download.body.destroy();
        throw error;
      }
      items = await readFileItems(source.file_id, format, download.body, MAX_SOURCE_ITEMS);
      break;
    }
  }
  if (items.length === 0) {
    throw new BadRequestError('analysis_source_empty', 'The source has no items to analyse', {
      source: describedSource(source),
    });
  }
  return items;
}
