import type { Database, Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError, PayloadTooLargeError, ValidationError } from '../../platform/http/errors.ts';
import { inputViolations, isAcceptableInput } from '../../platform/http/input-rules.ts';
import * as repository from './context-repository.ts';
import { MAX_CONTEXT_DATA_BYTES } from './context-schemas.ts';
import type { ContextChangeType } from './context-tables.ts';

export const CONTEXT_UPDATED = 'context-updated';

/** Who writes a version: a user or API key through the API, an agent and its run through a tool. */
export interface ContextAuthor {
  userId: string | null;
  apiKeyId: string | null;
  agentId: string | null;
  runId: string | null;
}

/** What a new version holds and why. */
export interface VersionEntry {
  data: Record<string, unknown>;
  changeType: Exclude<ContextChangeType, 'created'>;
  changeDescription?: string | undefined;
  restoredVersion?: number | undefined;
  author: ContextAuthor;
  /** Optimistic concurrency: refused with 412 unless the context is at this version. */
  expectedVersion?: number | undefined;
}

/**
 * Data a context can hold: storable (no NUL, no lone surrogate) and at most MAX_JSON_DEPTH deep,
 * as HTTP input always is (422); at most MAX_CONTEXT_DATA_BYTES as stored JSON (413). Tools'
 * input, which no HTTP rule saw, is checked the same way.
 */
export function assertStorableData(data: Record<string, unknown>): void {
  if (!isAcceptableInput(data)) {
    throw new ValidationError(
      'The context data contains values that cannot be stored',
      inputViolations(data, 'body'),
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (bytes > MAX_CONTEXT_DATA_BYTES) {
    throw new PayloadTooLargeError(
      'payload_too_large',
      `The context data is ${bytes} bytes once serialized; at most ${MAX_CONTEXT_DATA_BYTES} (${MAX_CONTEXT_DATA_BYTES / 1024} KB) are accepted`,
      { bytes, max_bytes: MAX_CONTEXT_DATA_BYTES },
    );
  }
}

/**
 * Every write of a context goes through here: a new context with its version 1, or a version
 * appended to a locked context (its row lock makes concurrent writes take turns, so none is lost),
 * after which the versions beyond `historyLimit` are pruned, oldest first, in the same
 * transaction. Each new version publishes `context-updated`, delivered if the transaction commits;
 * `onChanged` then tells this process's turn cache at once.
 */
export function createContextWrites(options: {
  db: Database;
  events: Pick<EventPublisher, 'publish'>;
  historyLimit: number;
  onChanged: (organizationId: string) => void;
}) {
  const { events, historyLimit } = options;

  const published = (tx: Executor, context: repository.ContextRow) =>
    events.publish(
      {
        type: CONTEXT_UPDATED,
        organization_id: context.organizationId,
        data: { context_id: context.id, agent_id: context.agentId, version: context.currentVersion },
      },
      { tx },
    );

  const versionRow = (
    context: repository.ContextRow,
    version: number,
    entry: Omit<VersionEntry, 'changeType'> & { changeType: ContextChangeType },
    at: Date,
  ) => ({
    id: uuidv7(),
    organizationId: context.organizationId,
    contextId: context.id,
    version,
    data: entry.data,
    changeType: entry.changeType,
    changeDescription: entry.changeDescription ?? null,
    restoredVersion: entry.restoredVersion ?? null,
    createdByUserId: entry.author.userId,
    createdByApiKeyId: entry.author.apiKeyId,
    createdByAgentId: entry.author.agentId,
    createdByRunId: entry.author.runId,
    createdAt: at,
  });

  return {
    /** Runs `work` in a transaction; once it commits, this process's caches hear of the change. */
    async committing<T>(organizationId: string, work: (tx: Executor) => Promise<T>): Promise<T> {
      const result = await options.db.transaction(work);
      options.onChanged(organizationId);
      return result;
    },

    /**
     * A new context of `agent` at version 1; undefined when the agent already has one of that
     * name (the caller reads that one instead).
     */
    async create(
      tx: Executor,
      context: {
        organizationId: string;
        projectId: string | null;
        agentId: string;
        name: string;
        data: Record<string, unknown>;
        changeDescription?: string | undefined;
        author: ContextAuthor;
      },
    ) {
      assertStorableData(context.data);
      const at = new Date();
      const row = await repository.insertContext(tx, {
        id: uuidv7(),
        organizationId: context.organizationId,
        projectId: context.projectId,
        agentId: context.agentId,
        name: context.name,
        currentVersion: 1,
        createdByUserId: context.author.userId,
        createdByApiKeyId: context.author.apiKeyId,
        createdAt: at,
        updatedAt: at,
      });
      if (!row) return undefined;
      await repository.insertVersion(tx, versionRow(row, 1, { ...context, changeType: 'created' }, at));
      await published(tx, row);
      return row;
    },

    /** Appends a version to `locked` (a row `lockContext` returned in `tx`) and prunes the oldest. */
    async append(tx: Executor, scope: TenantScope, locked: repository.ContextRow, entry: VersionEntry) {
      if (entry.expectedVersion !== undefined && entry.expectedVersion !== locked.currentVersion) {
        throw new AppError(
          'version_conflict',
          `The context is at version ${locked.currentVersion}, not ${entry.expectedVersion}: read it again and retry`,
          { status: 412, details: { current_version: locked.currentVersion } },
        );
      }
      assertStorableData(entry.data);
      const at = new Date();
      const version = locked.currentVersion + 1;
      await repository.insertVersion(tx, versionRow(locked, version, entry, at));
      const row = await repository.setCurrentVersion(tx, locked.id, version, at);
      const oldestKept = version - historyLimit + 1;
      if (oldestKept > 1) await repository.pruneVersions(tx, scope, locked.id, oldestKept);
      await published(tx, row);
      return row;
    },
  };
}

export type ContextWrites = ReturnType<typeof createContextWrites>;
