import { afterAll, beforeAll, expect, it } from 'vitest';
import { analysisExampleIds } from '../src/modules/analysis/analysis-examples.ts';
import { definitionExamples } from '../src/modules/definitions/definition-schemas.ts';
import { errorBodySchema } from '../src/platform/http/error-body.ts';
import { openAiErrorBodySchema } from '../src/platform/http/openai-error-body.ts';
import { exampleIds } from '../src/platform/http/openapi-examples.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { waitForRun } from './support/analysis.ts';
import { type FuzzRequest, type FuzzTargets, fuzzRequestsFor } from './support/fuzz-requests.ts';
import { type OpenApiDocument, operationsOf } from './support/openapi-document.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

/**
 * Hostile input against every operation of the OpenAPI document, as an org_admin of an
 * organization with real resources (so that path parameters can also be valid ids): each path,
 * query and header parameter and each body field in turn gets hostile values while the rest of the
 * request stays valid, and each JSON body is also replaced whole (not JSON, wrong media types,
 * prototype-pollution keys, 10,000 levels deep, past the size limit). No answer may be a 5xx, every
 * 4xx carries the error body (OpenAI's under /v1/) and X-Request-ID, and the server still answers.
 *
 * Not fuzzed here: the WebSocket upgrade (/api/v1/ws) is not an operation of the document and
 * needs a WebSocket client (events-api.test.ts covers it); /openapi.json and /docs take no input.
 */
const API_KEY = 'sk-fuzz-stub-key';
const CONCURRENCY = 8;

let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let targets: FuzzTargets;

const as = () => ({ token: owner.token });

async function created(path: string, body: unknown): Promise<Record<string, any>> {
  const response = await app.http.post(path, body, as());
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['gpt-stub'] });
  // Input handling is under test here, not rate limits or load shedding (both off in test apps).
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Fuzz Owner');
  const member = await addMember(app.http, owner, 'agent_user');
  const provider = await created('/api/v1/providers', {
    name: 'Stub',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: API_KEY,
  });
  // Named as the chat completion example's model, so that the example resolves to it.
  const agent = await created('/api/v1/agents', {
    name: 'Support Agent',
    provider_id: provider.id,
    model: 'gpt-stub',
  });
  const changedAgent = await created('/api/v1/agents', { name: 'Changed by the fuzz' });
  const changedProvider = await created('/api/v1/providers', {
    name: 'Changed by the fuzz',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: API_KEY,
  });
  const turn = await created(`/api/v1/agents/${agent.id}/execute`, { message: 'hello' });
  const secondSession = await created('/api/v1/sessions', { agent_id: agent.id });
  const messages = (await app.http.get(`/api/v1/sessions/${turn.session_id}/messages`, as())).body;
  const apiKey = await created('/api/v1/api-keys', { name: 'Fuzz key', role: 'agent_user' });
  const [userMessage, assistantMessage] = messages;
  // An assignment of an agent on the offline provider: its answers always fit the schema.
  const offline = await created('/api/v1/providers', { name: 'Offline', type: 'offline' });
  const offlineAgent = await created('/api/v1/agents', { name: 'Fuzz classifier', provider_id: offline.id });
  const taskSchema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
  const definition = await created('/api/v1/task-definitions', {
    name: 'Fuzz task',
    response_schema: taskSchema,
  });
  const changedDefinition = await created('/api/v1/task-definitions', {
    name: 'Changed by the fuzz',
    response_schema: taskSchema,
  });
  const assignment = await created(`/api/v1/agents/${offlineAgent.id}/assignments`, {
    task_definition_id: definition.id,
  });
  // A completed analysis run of that assignment, with a proposal.
  const analysis = await created('/api/v1/analysis/runs', {
    assignment_id: assignment.id,
    source: { type: 'inline', items: ['first item', 'second item'] },
  });
  await app.http.post(`/api/v1/analysis/runs/${analysis.id}/start`, undefined, as());
  await waitForRun(app.http, owner, analysis.id, ['completed']);
  const [proposal] = (await app.http.get(`/api/v1/analysis/runs/${analysis.id}/proposals`, as())).body;
  targets = {
    pathValues: {
      'analysis/runs': analysis.id,
      proposals: proposal.id,
      agents: agent.id,
      sessions: turn.session_id,
      messages: assistantMessage.id,
      providers: provider.id,
      'api-keys': apiKey.id,
      users: member.userId,
      runs: turn.run_id,
      models: agent.id,
      versions: '1',
      'task-definitions': definition.id,
      assignments: assignment.id,
    },
    changedPathValues: {
      agents: changedAgent.id,
      providers: changedProvider.id,
      'task-definitions': changedDefinition.id,
    },
    replacements: new Map<unknown, unknown>([
      [exampleIds.agent, agent.id],
      [exampleIds.provider, provider.id],
      [exampleIds.session, turn.session_id],
      [exampleIds.secondSession, secondSession.id],
      [exampleIds.run, turn.run_id],
      [exampleIds.userMessage, userMessage.id],
      [exampleIds.assistantMessage, assistantMessage.id],
      [exampleIds.member, member.userId],
      [exampleIds.user, owner.userId],
      [exampleIds.apiKey, apiKey.id],
      [definitionExamples.definitionId, definition.id],
      [definitionExamples.assignmentId, assignment.id],
      [analysisExampleIds.run, analysis.id],
      [analysisExampleIds.secondRun, analysis.id],
      [analysisExampleIds.proposal, proposal.id],
    ]),
    properties: { base_url: stub.url },
  };
}, 60_000);

afterAll(async () => {
  await app?.close();
  await stub?.close();
});

interface Answer {
  status: number;
  requestId: string | null;
  body: unknown;
}

async function send(request: FuzzRequest): Promise<Answer> {
  const controller = new AbortController();
  const response = await fetch(`${app.url}${request.url}`, {
    method: request.method,
    headers: { authorization: `Bearer ${owner.token}`, ...request.headers },
    body: request.body,
    signal: controller.signal,
  });
  const type = response.headers.get('content-type') ?? '';
  let body: unknown;
  // A stream that opened (execution, live events) has answered; the rest of it is not input handling.
  if (type.includes('text/event-stream')) controller.abort();
  else {
    const text = await response.text();
    body = type.includes('application/json') && text ? JSON.parse(text) : text;
  }
  return { status: response.status, requestId: response.headers.get('x-request-id'), body };
}

/** What is wrong with an answer, if anything. */
function problemOf(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  if (!answer.requestId) return `answered ${answer.status} without X-Request-ID`;
  const wellFormed = request.url.startsWith('/v1/')
    ? openAiErrorBodySchema.safeParse(answer.body).success
    : errorBodySchema.safeParse(answer.body).success &&
      (answer.body as { correlation_id: string }).correlation_id === answer.requestId;
  return wellFormed
    ? undefined
    : `answered ${answer.status} without the error body: ${JSON.stringify(answer.body).slice(0, 300)}`;
}

it('answers hostile input to every operation with a 4xx in the error body, never a 5xx', async () => {
  const document: OpenApiDocument = (await app.http.get('/openapi.json')).body;
  // Deletions last: some (an undeclared query parameter beside a valid id) delete the resource
  // that the other operations' requests name.
  const requests = operationsOf(document)
    .flatMap((operation) => fuzzRequestsFor(operation, document, targets))
    .sort((first, second) => Number(first.method === 'DELETE') - Number(second.method === 'DELETE'));
  const operationsFuzzed = new Set(requests.map((request) => request.label.split(' ', 2).join(' ')));
  expect([...operationsFuzzed].sort()).toEqual(
    operationsOf(document)
      .map(({ label }) => label)
      .sort(),
  );

  const problems: string[] = [];
  let serverErrors = 0;
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as FuzzRequest;
      const answer = await send(request).catch(
        (error: Error): Answer => ({ status: 0, requestId: null, body: String(error.cause ?? error) }),
      );
      if (answer.status >= 500) serverErrors++;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problem = answer.status === 0 ? `no answer: ${answer.body}` : problemOf(request, answer);
      if (problem) problems.push(`${request.label}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  console.log(
    `fuzz on ${testDatabaseKind}: ${requests.length} requests to ${operationsFuzzed.size} operations, ${serverErrors} answered 5xx`,
    Object.fromEntries([...statuses].sort(([first], [second]) => first - second)),
  );
  const serverErrorLogs = app.logs.filter((line) => JSON.parse(line).level >= 50).slice(0, 5);
  // Valid ids and bodies around the hostile value: some requests get through to the handlers.
  expect([...statuses.keys()].filter((status) => status < 300).length).toBeGreaterThan(0);
  expect(problems, `server error logs:\n${serverErrorLogs.join('')}`).toEqual([]);
  expect((await app.http.get('/health/ready')).status).toBe(200);
  // The server runs in this process: no __proto__ or constructor.prototype key polluted it.
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}, 120_000);
