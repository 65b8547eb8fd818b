import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { type ChannelKind, channelReplies, channels } from './channel-tables.ts';

export type ChannelRow = typeof channels.$inferSelect;
export type ReplyRow = typeof channelReplies.$inferSelect;

export async function insertChannel(tx: Executor, row: typeof channels.$inferInsert): Promise<ChannelRow> {
  const [inserted] = await tx.insert(channels).values(row).returning();
  return inserted as ChannelRow;
}

export async function findChannel(db: Executor, scope: TenantScope, channelId: string) {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(inScope(channels.organizationId, scope), eq(channels.id, channelId)));
  return row;
}

/** The organization a channel belongs to, if it exists (to tell 403 from 404). */
export async function findChannelOrganization(db: Executor, channelId: string) {
  const [row] = await db
    .select({ organizationId: channels.organizationId })
    .from(channels)
    .where(eq(channels.id, channelId));
  return row?.organizationId;
}

/**
 * A channel by id alone, for its inbound endpoints: the caller is Slack or a webhook sender,
 * authenticated by the channel's own signing secret, not by a principal.
 */
export async function findChannelForInbound(db: Executor, channelId: string, kind: ChannelKind) {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, channelId), eq(channels.kind, kind), eq(channels.enabled, true)));
  return row;
}

/** The enabled email channel mail to `address` is for (addresses are unique across the server). */
export async function findChannelByInboundAddress(db: Executor, address: string) {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.inboundAddress, address.toLowerCase()), eq(channels.enabled, true)));
  return row;
}

export interface ChannelFilters {
  agentId?: string | undefined;
  kind?: ChannelKind | undefined;
}

export async function listChannels(db: Executor, scope: TenantScope, filters: ChannelFilters, page: Page) {
  const conditions: SQL[] = [inScope(channels.organizationId, scope)];
  if (filters.agentId) conditions.push(eq(channels.agentId, filters.agentId));
  if (filters.kind) conditions.push(eq(channels.kind, filters.kind));
  return listPage(db, channels, and(...conditions), [asc(channels.createdAt), asc(channels.id)], page);
}

export async function updateChannel(
  tx: Executor,
  scope: TenantScope,
  channelId: string,
  change: Partial<ChannelRow>,
): Promise<ChannelRow | undefined> {
  const [row] = await tx
    .update(channels)
    .set({ ...change, updatedAt: new Date() })
    .where(and(inScope(channels.organizationId, scope), eq(channels.id, channelId)))
    .returning();
  return row;
}

/** Removes the channel and the replies it still holds (sent ones stay in the agent's actions). */
export async function deleteChannel(tx: Executor, scope: TenantScope, channelId: string) {
  await tx
    .delete(channelReplies)
    .where(and(inScope(channelReplies.organizationId, scope), eq(channelReplies.channelId, channelId)));
  const deleted = await tx
    .delete(channels)
    .where(and(inScope(channels.organizationId, scope), eq(channels.id, channelId)))
    .returning({ id: channels.id });
  return deleted.length > 0;
}

/** The reply once per (channel, key): undefined when it exists already. */
export async function insertReply(tx: Executor, row: typeof channelReplies.$inferInsert) {
  const [inserted] = await tx.insert(channelReplies).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function lockReply(tx: Executor, scope: TenantScope, replyId: string) {
  const [row] = await tx
    .select()
    .from(channelReplies)
    .where(and(inScope(channelReplies.organizationId, scope), eq(channelReplies.id, replyId)))
    .for('update');
  return row;
}

export async function updateReply(
  tx: Executor,
  scope: TenantScope,
  replyId: string,
  change: Partial<ReplyRow>,
) {
  const [row] = await tx
    .update(channelReplies)
    .set(change)
    .where(and(inScope(channelReplies.organizationId, scope), eq(channelReplies.id, replyId)))
    .returning();
  return row as ReplyRow;
}
