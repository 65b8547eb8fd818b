import type { Client } from 'undici';
import type { Api } from './api.ts';
import { measureScenario, percentile } from './load.ts';
import type { Check } from './scenarios.ts';
import {
  isStreamed,
  openClient,
  type Protocol,
  runTurnLoad,
  sendTurn,
  type TurnCall,
  type TurnMeasurement,
  type TurnOutcome,
} from './turn-load.ts';

/**
 * The turn group: Agentry's execute endpoints against an agent whose provider is the
 * OpenAI-compatible stub (bench/llm-stub-server.ts), next to the same stub called directly.
 */
export const TURN_CONNECTIONS = [1, 16] as const;
export const STUB_MODEL = 'gpt-stub';
/** The agent's prompt, also the system message of the direct calls. */
const SYSTEM_PROMPT = 'You are a helpful support agent. Answer briefly and politely.';
/** The user's question of every turn (and the message of the task benchmark's tasks). */
export const USER_MESSAGE = 'Hello! What are your opening hours?';
/** A new session opens with it: the checks count it as the session's first message. */
const GREETING = 'Hello! How can I help you today?';
/** The agent's output cap (response_length brief); the direct calls ask for the same. */
const MAX_TOKENS = 256;
/** Session growth: 500 turns on one session = 1,000 messages; p50 of the first and last 50. */
export const GROWTH_TURNS = 500;
export const GROWTH_WINDOW = 50;
/** No message lost: this many concurrent turns on one session, this many times. */
export const CONCURRENT_TURNS = 16;
export const CONCURRENT_ROUNDS = 5;
const VALIDATION_TIMEOUT_MS = 60_000;
const MESSAGE_PAGE = 200;

export type TurnScenarioKey = 'stub' | 'stub-stream' | 'execute' | 'execute-stream';

export interface TurnScenario {
  key: TurnScenarioKey;
  label: string;
  /** For Agentry's scenarios: the direct call it is compared with. */
  ceiling?: TurnScenarioKey;
  origin: string;
  headers: Record<string, string>;
  protocol: Protocol;
  callFor(connection: number, sequence: number): TurnCall;
  /** Reads the state the scenario changes; the check compares it afterwards. */
  before?(connections: number): Promise<Check>;
}

export interface TurnScenarioResult {
  key: TurnScenarioKey;
  label: string;
  ceiling?: TurnScenarioKey;
  streamed: boolean;
  measurement: TurnMeasurement;
  warmupFailed: number;
  problems: string[];
  notes: string[];
}

export interface GrowthResult {
  turns: number;
  messageCount: number;
  firstP50Ms: number;
  lastP50Ms: number;
  problems: string[];
  notes: string[];
}

export interface ConcurrencyResult {
  rounds: number;
  turns: number;
  ok: number;
  messageCount: number;
  problems: string[];
  notes: string[];
}

export interface StubEndpoint {
  /** Base URL ending in /v1. */
  url: string;
  apiKey: string;
}

export interface TurnFixture {
  token: string;
  agentId: string;
  providerId: string;
  /** One session per connection, each opened by one turn (greeting + 2 messages). */
  sessions: string[];
}

const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** A user, a provider pointing at the stub (validated by the server's worker), an agent, sessions. */
export async function prepareTurnFixture(api: Api, stub: StubEndpoint): Promise<TurnFixture> {
  const token = await api.register('Bench turns');
  const provider = await api.post(token, '/api/v1/providers', {
    name: 'Bench stub',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: stub.apiKey,
  });
  const providerId = provider.id as string;
  await waitForConnected(api, token, providerId);
  const agentId = await api.createAgent(token, {
    name: 'bench-turns',
    description: 'Created by npm run bench: one turn = one model call',
    role: 'Support',
    prompt: SYSTEM_PROMPT,
    provider_id: providerId,
    model: STUB_MODEL,
    response_length: 'brief',
    initial_ai_msg: GREETING,
    show_suggestions_after_each_message: false,
    tools: [],
  });
  const agent = (await api.read(token, `/api/v1/agents/${agentId}`)).json;
  if (agent.show_suggestions_after_each_message !== false || agent.tools?.length !== 0) {
    throw new Error(`the turn agent must have no suggestions and no tools: ${JSON.stringify(agent)}`);
  }
  const sessions: string[] = [];
  for (let i = 0; i < Math.max(...TURN_CONNECTIONS); i++) {
    const opened = await api.post(token, `/api/v1/agents/${agentId}/execute`, {
      message: USER_MESSAGE,
      stream: false,
    });
    sessions.push(opened.session_id as string);
  }
  return { token, agentId, providerId, sessions };
}

async function waitForConnected(api: Api, token: string, providerId: string) {
  const deadline = Date.now() + VALIDATION_TIMEOUT_MS;
  for (;;) {
    const provider = (await api.read(token, `/api/v1/providers/${providerId}`)).json;
    if (provider.validation_status === 'connected') return;
    if (provider.validation_status === 'error') {
      throw new Error(`the stub provider failed validation: ${provider.validation_error}`);
    }
    if (Date.now() > deadline) throw new Error(`the stub provider is still ${provider.validation_status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the turns of an agent left in the database, to compare before and after a scenario. */
async function turnRecords(api: Api, token: string, agentId: string, sessions: string[]) {
  const count = async (path: string) => (await api.read(token, path)).total;
  const [messageCounts, completed, unfinished, actions, agent] = await Promise.all([
    Promise.all(
      sessions.map(async (id) => (await api.read(token, `/api/v1/sessions/${id}`)).json.message_count),
    ),
    count(`/api/v1/runs?agent_id=${agentId}&status=completed&limit=1`),
    Promise.all(
      ['running', 'failed', 'cancelled'].map((status) =>
        count(`/api/v1/runs?agent_id=${agentId}&status=${status}&limit=1`),
      ),
    ),
    count(`/api/v1/agents/${agentId}/actions?limit=1`),
    api.read(token, `/api/v1/agents/${agentId}`),
  ]);
  return {
    messages: sum(messageCounts as number[]),
    completed,
    unfinished: sum(unfinished),
    actions,
    interactions: agent.json.interaction_count as number,
  };
}

export function turnScenarios(
  api: Api,
  serverUrl: string,
  stub: StubEndpoint,
  fixture: TurnFixture,
): TurnScenario[] {
  const stubUrl = new URL(stub.url);
  const stubPath = `${stubUrl.pathname.replace(/\/$/, '')}/chat/completions`;
  const messages = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: USER_MESSAGE },
  ];
  const direct = JSON.stringify({ model: STUB_MODEL, messages, max_tokens: MAX_TOKENS });
  const directStream = JSON.stringify({
    model: STUB_MODEL,
    messages,
    max_tokens: MAX_TOKENS,
    stream: true,
    stream_options: { include_usage: true },
  });
  const { token, agentId, sessions } = fixture;
  // Each connection continues its own session: as many users talking to one agent at once.
  const turnBodies = sessions.map((sessionId) => ({
    json: JSON.stringify({ message: USER_MESSAGE, session_id: sessionId, stream: false }),
    stream: JSON.stringify({ message: USER_MESSAGE, session_id: sessionId }),
  }));
  const bodyOf = (connection: number) =>
    turnBodies[connection % turnBodies.length] ?? { json: '', stream: '' };

  const checked =
    (label: string) =>
    async (connections: number): Promise<Check> => {
      const used = sessions.slice(0, connections);
      const before = await turnRecords(api, token, agentId, used);
      return async (ok) => {
        const after = await turnRecords(api, token, agentId, used);
        const added = {
          messages: after.messages - before.messages,
          completed: after.completed - before.completed,
          unfinished: after.unfinished - before.unfinished,
          actions: after.actions - before.actions,
          interactions: after.interactions - before.interactions,
        };
        const note =
          `${label} x${connections}: ${ok} turns answered; ${added.messages} messages, ${added.completed} completed runs, ` +
          `${added.actions} actions, interaction_count +${added.interactions}, ${added.unfinished} runs not completed`;
        const exact =
          added.messages === 2 * ok &&
          added.completed === ok &&
          added.actions === 2 * ok &&
          added.interactions === ok &&
          added.unfinished === 0;
        return exact
          ? { note }
          : {
              note,
              problem: `${note}: expected exactly ${2 * ok} messages, ${ok} completed runs, ${2 * ok} actions, +${ok} interactions, 0 runs not completed`,
            };
      };
    };

  const stubHeaders = { ...bearer(stub.apiKey), ...json };
  const agentryHeaders = { ...bearer(token), ...json };
  return [
    {
      key: 'stub',
      label: 'stub POST /v1/chat/completions',
      origin: stubUrl.origin,
      headers: stubHeaders,
      protocol: 'openai-json',
      callFor: () => ({ path: stubPath, body: direct }),
    },
    {
      key: 'execute',
      label: 'POST /api/v1/agents/{id}/execute',
      ceiling: 'stub',
      origin: serverUrl,
      headers: agentryHeaders,
      protocol: 'agentry-json',
      callFor: (connection) => ({ path: `/api/v1/agents/${agentId}/execute`, body: bodyOf(connection).json }),
      before: checked('execute'),
    },
    {
      key: 'stub-stream',
      label: 'stub POST /v1/chat/completions stream',
      origin: stubUrl.origin,
      headers: stubHeaders,
      protocol: 'openai-sse',
      callFor: () => ({ path: stubPath, body: directStream }),
    },
    {
      key: 'execute-stream',
      label: 'POST /api/v1/agents/{id}/execute/stream',
      ceiling: 'stub-stream',
      origin: serverUrl,
      headers: agentryHeaders,
      protocol: 'agentry-sse',
      callFor: (connection) => ({
        path: `/api/v1/agents/${agentId}/execute/stream`,
        body: bodyOf(connection).stream,
      }),
      before: checked('execute/stream'),
    },
  ];
}

export async function measureTurns(
  scenario: TurnScenario,
  connections: number,
  warmupSeconds: number,
  durationSeconds: number,
  settle: () => Promise<void>,
): Promise<TurnScenarioResult> {
  const spec = {
    origin: scenario.origin,
    connections,
    headers: scenario.headers,
    protocol: scenario.protocol,
    callFor: scenario.callFor,
  };
  const judged = await measureScenario({
    label: `${scenario.label} x${connections}`,
    unit: 'turns',
    check: await scenario.before?.(connections),
    run: (seconds) => runTurnLoad({ ...spec, durationSeconds: seconds }),
    warmupSeconds,
    durationSeconds,
    settle,
  });
  return {
    key: scenario.key,
    label: scenario.label,
    ...(scenario.ceiling ? { ceiling: scenario.ceiling } : {}),
    streamed: isStreamed(scenario.protocol),
    ...judged,
  };
}

/** All live messages of a session, oldest first, page by page. */
async function allMessages(api: Api, token: string, sessionId: string) {
  const messages: { id: string; role: string; content: string }[] = [];
  for (let offset = 0; ; offset += MESSAGE_PAGE) {
    const { json: page, total } = await api.read(
      token,
      `/api/v1/sessions/${sessionId}/messages?limit=${MESSAGE_PAGE}&offset=${offset}`,
    );
    messages.push(...page);
    if (page.length < MESSAGE_PAGE || messages.length >= total) return { messages, total };
  }
}

const executePath = (agentId: string, streamed: boolean) =>
  `/api/v1/agents/${agentId}/execute${streamed ? '/stream' : ''}`;

/**
 * Cost as one session grows: GROWTH_TURNS turns, one after the other, on one new session
 * (2 messages each, plus the greeting); p50 of the first GROWTH_WINDOW turns against the last.
 */
export async function measureGrowth(
  api: Api,
  serverUrl: string,
  fixture: TurnFixture,
): Promise<GrowthResult> {
  const { token, agentId } = fixture;
  const headers = { ...bearer(token), ...json };
  const client = openClient(serverUrl);
  let first: TurnOutcome;
  try {
    first = await sendTurn(client, 'agentry-json', headers, {
      path: executePath(agentId, false),
      body: JSON.stringify({ message: USER_MESSAGE, stream: false }),
    });
  } finally {
    await client.close();
  }
  if (!first.ok || !first.result) throw new Error(`session growth: the first turn failed: ${first.failure}`);
  const sessionId = first.result.session_id as string;
  const body = JSON.stringify({ message: USER_MESSAGE, session_id: sessionId, stream: false });
  const rest = await runTurnLoad({
    origin: serverUrl,
    connections: 1,
    turns: GROWTH_TURNS - 1,
    headers,
    protocol: 'agentry-json',
    callFor: () => ({ path: executePath(agentId, false), body }),
  });
  const latencies = [first.latencyMs, ...rest.latencies];
  const p50 = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);
  const problems: string[] = [];
  if (rest.failed > 0) {
    problems.push(
      `session growth: ${rest.failed} of ${GROWTH_TURNS} turns FAILED (status codes ${JSON.stringify(rest.statusCodes)}; first: ${rest.failureSamples.join(' | ')})`,
    );
  }
  const ok = 1 + rest.ok;
  const expected = 1 + 2 * ok;
  const messageCount = (await api.read(token, `/api/v1/sessions/${sessionId}`)).json.message_count as number;
  const listed = (await api.read(token, `/api/v1/sessions/${sessionId}/messages?limit=1`)).total;
  const runs = (await api.read(token, `/api/v1/runs?session_id=${sessionId}&status=completed&limit=1`)).total;
  const note = `session growth: ${ok} turns on one session; message_count ${messageCount}, ${listed} messages listed, ${runs} completed runs`;
  if (messageCount !== expected || listed !== expected || runs !== ok) {
    problems.push(`${note}: expected ${expected} messages (greeting + 2 per turn) and ${ok} runs`);
  }
  return {
    turns: ok,
    messageCount,
    firstP50Ms: p50(latencies.slice(0, GROWTH_WINDOW)),
    lastP50Ms: p50(latencies.slice(-GROWTH_WINDOW)),
    problems,
    notes: [note],
  };
}

/**
 * No message lost: CONCURRENT_TURNS turns at once on one session (half of them streamed),
 * CONCURRENT_ROUNDS times. After each round the session's message_count must be exactly the
 * greeting plus 2 per successful turn; at the end every turn's messages must be listed, once, the
 * question before its answer. Any failed turn is a problem too.
 */
export async function checkConcurrentTurns(
  api: Api,
  serverUrl: string,
  fixture: TurnFixture,
): Promise<ConcurrencyResult> {
  const { token, agentId } = fixture;
  const headers = { ...bearer(token), ...json };
  const clients = Array.from({ length: CONCURRENT_TURNS }, () => openClient(serverUrl));
  const problems: string[] = [];
  const notes: string[] = [];
  const answered: { question: string; userMessageId: string; messageId: string }[] = [];
  let sent = 0;
  let ok = 0;
  let messageCount = Number.NaN;
  try {
    const opening = await sendTurn(clients[0] as Client, 'agentry-json', headers, {
      path: executePath(agentId, false),
      body: JSON.stringify({ message: USER_MESSAGE, stream: false }),
    });
    if (!opening.ok || !opening.result)
      throw new Error(`concurrent turns: opening turn failed: ${opening.failure}`);
    const sessionId = opening.result.session_id as string;
    sent = ok = 1;
    answered.push({
      question: USER_MESSAGE,
      userMessageId: opening.result.user_message_id,
      messageId: opening.result.message_id,
    });
    for (let round = 1; round <= CONCURRENT_ROUNDS; round++) {
      const outcomes = await Promise.all(
        clients.map((client, index) => {
          const streamed = index % 2 === 1;
          const question = `Concurrent turn ${round}.${index + 1}: what are your opening hours?`;
          return sendTurn(client, streamed ? 'agentry-sse' : 'agentry-json', headers, {
            path: executePath(agentId, streamed),
            body: JSON.stringify({
              message: question,
              session_id: sessionId,
              ...(streamed ? {} : { stream: false }),
            }),
          }).then((outcome) => ({ outcome, question }));
        }),
      );
      sent += outcomes.length;
      for (const { outcome, question } of outcomes) {
        if (outcome.ok && outcome.result) {
          ok++;
          answered.push({
            question,
            userMessageId: outcome.result.user_message_id,
            messageId: outcome.result.message_id,
          });
        } else {
          problems.push(`concurrent turns, round ${round}: a turn FAILED: ${outcome.failure}`);
        }
      }
      messageCount = (await api.read(token, `/api/v1/sessions/${sessionId}`)).json.message_count;
      const expected = 1 + 2 * ok;
      if (messageCount !== expected) {
        problems.push(
          `concurrent turns, round ${round}: message_count is ${messageCount}, expected ${expected} (greeting + 2 x ${ok} successful turns)`,
        );
      }
    }
    const { messages, total } = await allMessages(api, token, sessionId);
    const position = new Map(messages.map((message, index) => [message.id, index]));
    const expected = 1 + 2 * ok;
    if (messages.length !== expected || total !== expected) {
      problems.push(
        `concurrent turns: ${messages.length} messages listed (X-Total-Count ${total}), expected ${expected}`,
      );
    }
    let misplaced = 0;
    for (const turn of answered) {
      const question = position.get(turn.userMessageId);
      const answer = position.get(turn.messageId);
      // Every question is unique to its turn (the opening turn's only occurs once in this session).
      const copies = messages.filter(
        (message) => message.role === 'user' && message.content === turn.question,
      );
      if (question === undefined || answer === undefined || question > answer || copies.length !== 1)
        misplaced++;
    }
    if (misplaced > 0) {
      problems.push(
        `concurrent turns: ${misplaced} of ${answered.length} turns are missing from the listing, listed twice, or answered before asked`,
      );
    }
    notes.push(
      `concurrent turns: ${CONCURRENT_ROUNDS} rounds of ${CONCURRENT_TURNS} turns at once on one session (half streamed), ` +
        `after an opening turn: ${ok} of ${sent} turns answered; message_count ${messageCount} (expected ${expected} = greeting + 2 x ${ok}); ` +
        `${messages.length} messages listed; ${answered.length - misplaced} of ${answered.length} turns listed once with the question before its answer`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
  return { rounds: CONCURRENT_ROUNDS, turns: sent, ok, messageCount, problems, notes };
}
