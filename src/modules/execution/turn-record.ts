import type { RecordedAction, RunTrigger, RunUsage } from '../runs/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { EndedTurn } from './turn-registry.ts';

/** A message the turn stores in its session, with an id chosen before it is written. */
export interface TurnMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  metadata: Record<string, unknown>;
  toolCalls: Record<string, unknown>[];
}

/** How a turn started: enough to write its run as `running`, and its session when it starts one. */
export interface TurnStart {
  runId: string;
  principal: Principal;
  /** `projectId`: the agent's, which a session the turn starts belongs to. */
  agent: { id: string; version: number; projectId: string | null };
  trigger: RunTrigger;
  session: {
    id: string;
    /** Started by this turn: written with the turn's first record, with its greeting. */
    created: boolean;
    userId: string | null;
    /** The agent's initial_ai_msg, opening a session this turn starts. */
    greeting: TurnMessage | null;
  } | null;
  input: Record<string, unknown>;
  model: string;
  provider: { id: string; name: string; type: string };
  warnings: string[];
  startedAt: Date;
}

/** How a turn ended: its run's end, its actions and, when it completed in a session, its messages. */
export interface TurnEnd {
  start: TurnStart;
  status: 'completed' | 'failed' | 'cancelled';
  output: string | null;
  error: { code: string; message: string } | null;
  usage: RunUsage;
  costEstimate: number | null;
  /** The model that answered (the fallback's when it took over). */
  model: string;
  provider: { id: string; name: string; type: string };
  fallbackUsed: boolean;
  warnings: string[];
  actions: readonly RecordedAction[];
  /** The exchange, stored only when the turn completed in a session. */
  messages: { user: TurnMessage; assistant: TurnMessage } | null;
  completedAt: Date;
  /** What the after-turn hooks receive. */
  hookView: EndedTurn;
}

/**
 * Where turns are recorded (the turn recorder): the turn engine hands it plain records and never
 * sees a table.
 */
export interface TurnStore {
  /** The run is `running` from now on; its record may be written after this returns. */
  recordStart(start: TurnStart): void;
  /**
   * Stores the end in one transaction (messages, run, actions, the agent's counters, the after-turn
   * hooks' writes) and resolves once it committed. Throws NotFoundError('Session') when the
   * session was deleted while the turn ran: then nothing of the turn was stored.
   */
  recordEnd(end: TurnEnd): Promise<void>;
}
