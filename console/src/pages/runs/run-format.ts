/** How the run, usage and budget pages write numbers: the API's values, only formatted. */

export const formatTokens = (tokens: number | null | undefined) =>
  tokens === null || tokens === undefined ? '—' : tokens.toLocaleString();

/** A cost estimate in USD; null is a model without a price. Small costs keep their significant digits. */
export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return '—';
  if (cost === 0) return '$0';
  if (Math.abs(cost) < 0.01) return `$${cost.toPrecision(2)}`;
  return `$${cost.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
}

export function formatDuration(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined) return '—';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  return `${Math.floor(milliseconds / 60_000)} min ${Math.round((milliseconds % 60_000) / 1000)} s`;
}

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'abandoned'] as const;
export const RUN_TRIGGERS = ['chat', 'test', 'task', 'analysis', 'api', 'channel', 'mcp'] as const;

/** The badge class of a run status (styles.css: ok, bad, warn). */
export function statusTone(status: string): string {
  if (status === 'completed') return 'badge ok';
  if (status === 'failed' || status === 'abandoned') return 'badge bad';
  if (status === 'running') return 'badge warn';
  return 'badge';
}
