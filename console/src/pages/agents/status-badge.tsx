import type { Agent } from './agent-draft.ts';

const TONES: Record<Agent['status'], string> = { active: 'ok', inactive: 'warn', archived: 'bad' };

export function StatusBadge({ status }: { status: Agent['status'] }) {
  return <span className={`badge ${TONES[status]}`}>{status}</span>;
}
